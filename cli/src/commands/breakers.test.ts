import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { captureIo } from '../testing/capture-io.js';
import { type FakeGateway, startFakeGateway } from '../testing/fake-gateway.js';
import { runCli } from '../testing/run-cli.js';
import { runBreakers } from './breakers.js';

const TOKEN = 'admin-token-breakers';

describe('floodgate breakers', () => {
  let fake: FakeGateway;
  before(async () => {
    fake = await startFakeGateway(TOKEN);
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());
  const opts = (extra: { json?: boolean } = {}) => ({ url: fake.url, token: TOKEN, ...extra });

  it('list prints state, forced flag, failures and the window; --json prints every breaker', async () => {
    const c = captureIo();
    assert.equal(await runBreakers({ action: 'list' }, opts(), c.io), 0);
    assert.match(
      c.out(),
      /^BACKEND\s+STATE\s+FORCED\s+CONSECUTIVE FAILURES\s+WINDOW \(FAILED\/REQUESTS\)\s+OPENED AT\n/,
    );
    assert.match(c.out(), /\napi-2\s+closed\s+no\s+0\s+3\/40\s+-\n/);
    const j = captureIo();
    assert.equal(await runBreakers({ action: 'list' }, opts({ json: true }), j.io), 0);
    assert.deepEqual(
      JSON.parse(j.out()).map((b: { backendId: string }) => b.backendId),
      ['api-1', 'api-2'],
    );
  });

  it('open, close and reset post to the breaker routes and print the new state', async () => {
    const open = captureIo();
    assert.equal(await runBreakers({ action: 'open', id: 'api-1' }, opts(), open.io), 0);
    assert.equal(open.out(), 'breaker of api-1 forced open (stays open until close or reset): open\n');
    assert.deepEqual(fake.seen.at(-1), {
      method: 'POST',
      url: '/api/v1/admin/circuit-breakers/api-1/open',
      auth: `Bearer ${TOKEN}`,
      body: '',
    });
    const list = captureIo();
    await runBreakers({ action: 'list' }, opts(), list.io);
    assert.match(list.out(), /\napi-1\s+open\s+yes\s+0\s+3\/40\s+2026-01-01T00:00:00\.000Z\n/);
    const close = captureIo();
    assert.equal(await runBreakers({ action: 'close', id: 'api-1' }, opts({ json: true }), close.io), 0);
    assert.equal(JSON.parse(close.out()).circuitState, 'closed');
    const reset = captureIo();
    assert.equal(await runBreakers({ action: 'reset', id: 'api-2' }, opts(), reset.io), 0);
    assert.equal(fake.breakers.get('api-2')?.window.requests, 0);
  });

  it('1 for an unknown backend or a refused token, 2 for bad usage (nothing sent)', async () => {
    const missing = captureIo();
    assert.equal(await runBreakers({ action: 'open', id: 'api-7' }, opts(), missing.io), 1);
    assert.equal(missing.err(), 'floodgate breakers open: NOT_FOUND: No backend with id api-7\n');
    const refused = captureIo();
    assert.equal(await runBreakers({ action: 'list' }, { url: fake.url, token: 'nope' }, refused.io), 1);
    assert.match(refused.err(), /^floodgate breakers list: INVALID_TOKEN: .+\n$/);
    assert.equal(await runBreakers({ action: 'reset', id: 'api-1' }, { url: fake.url }, captureIo().io), 2);
    assert.equal(await runBreakers({ action: 'close', id: 'api 1' }, opts(), captureIo().io), 2);
    assert.equal(fake.seen.filter((s) => s.auth === `Bearer ${TOKEN}`).length, 1, 'only the api-7 call');
  });

  it('the binary exits 0, 1 and 2 accordingly', { timeout: 90_000 }, async () => {
    const [ok, missing, usage] = await Promise.all([
      runCli(['breakers', 'open', 'api-2', '--token', TOKEN, '--url', fake.url]),
      runCli(['breakers', 'reset', 'api-9', '--token', TOKEN, '--url', fake.url]),
      runCli(['breakers', 'list', 'extra', '--token', TOKEN, '--url', fake.url]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /forced open/);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.split('\n').length, 2, 'one line');
    assert.equal(usage.code, 2);
    assert.equal(
      usage.stderr,
      'floodgate breakers list: unknown command or option: extra (see floodgate breakers list --help)\n',
    );
  });
});
