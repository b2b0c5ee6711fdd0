import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SingleFlight } from './single-flight.js';

/** A load that resolves when told to, counting how many were started. */
function loads() {
  const started: { session: number; resolve: (v: string) => void }[] = [];
  const start = (flight: { session: number }) =>
    new Promise<string>((resolve) => {
      started.push({ session: flight.session, resolve });
    });
  return { started, start };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('SingleFlight', () => {
  test('joinable requests share one load per key', async () => {
    const session = 1;
    const sf = new SingleFlight<string>(() => session);
    const { started, start } = loads();
    const all = Array.from({ length: 50 }, () => sf.run('k', true, start));
    const other = sf.run('other', true, start);
    assert.equal(started.length, 2);
    assert.equal(sf.joins, 49);
    started[0]?.resolve('v');
    started[1]?.resolve('o');
    assert.deepEqual(new Set(await Promise.all(all)), new Set(['v']));
    assert.equal(await other, 'o');
    assert.equal(sf.inFlight, 0);
  });

  test('a request that may not join waits for a load that starts after it (never two at once)', async () => {
    let session = 1;
    const sf = new SingleFlight<string>(() => session);
    const { started, start } = loads();
    const first = sf.run('k', true, start);
    const late = [sf.run('k', false, start), sf.run('k', false, start)];
    assert.equal(started.length, 1, 'the successor has not started');
    started[0]?.resolve('old');
    assert.equal(await first, 'old');
    await flush();
    assert.equal(started.length, 2, 'the successor started once the first settled');
    session = 2;
    started[1]?.resolve('new');
    assert.deepEqual(await Promise.all(late), ['new', 'new']);
  });

  test('a load from another session is not joined', async () => {
    let session = 1;
    const sf = new SingleFlight<string>(() => session);
    const { started, start } = loads();
    void sf.run('k', true, start);
    session = 2;
    const later = sf.run('k', true, start);
    started[0]?.resolve('s1');
    await flush();
    assert.equal(started.length, 2);
    assert.equal(started[1]?.session, 2);
    started[1]?.resolve('s2');
    assert.equal(await later, 's2');
  });

  test('invalidate: the load is marked dirty and new requests start a fresh one at once', async () => {
    const sf = new SingleFlight<string>(() => 1);
    const { started, start } = loads();
    let dirtySeen: boolean | undefined;
    const first = sf.run('k', true, (f) => {
      const p = start(f);
      return p.then((v) => {
        dirtySeen = f.dirty;
        return v;
      });
    });
    const waiting = sf.run('k', false, start);
    sf.invalidate('k');
    assert.equal(started.length, 2, 'the queued successor was started by the invalidation');
    const fresh = sf.run('k', true, start);
    started[0]?.resolve('old');
    started[1]?.resolve('new');
    assert.equal(await first, 'old');
    assert.equal(dirtySeen, true);
    assert.equal(await waiting, 'new');
    assert.equal(await fresh, 'new', 'joined the load that started after the invalidation');
  });

  test('invalidateWhere and rejections', async () => {
    const sf = new SingleFlight<string>(() => 1);
    const p1 = sf.run('list:1:', true, () => Promise.reject(new Error('db down')));
    await assert.rejects(p1, /db down/);
    const { started, start } = loads();
    void sf.run('list:2:', true, start);
    void sf.run('resource:1', true, start);
    sf.invalidateWhere((k) => k.startsWith('list:'));
    assert.equal(sf.inFlight, 1);
    for (const s of started) s.resolve('x');
  });
});
