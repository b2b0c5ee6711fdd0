import assert from 'node:assert/strict';
import { Agent, createServer, type ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { call } from '../testing/http-call.js';
import { drainServer } from './drain-server.js';
import { listen } from './listen.js';

/** A server holding `/slow` until released, answering anything else at once. */
async function holdingServer() {
  const held: ServerResponse[] = [];
  let arrived: () => void = () => {};
  const server = createServer((req, res) => {
    if (req.url === '/slow') {
      held.push(res);
      arrived();
    } else res.end('ok');
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    arrival: () =>
      new Promise<void>((r) => {
        arrived = r;
      }),
    release: () => held.shift()?.end('slow'),
  };
}

describe('drainServer', { timeout: 10_000 }, () => {
  const agents: Agent[] = [];
  after(() => {
    for (const a of agents) a.destroy();
  });
  const keepAlive = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };

  it('answers the request in flight and those queued on its keep-alive connection with Connection: close', async () => {
    const s = await holdingServer();
    const agent = keepAlive();
    const warm = await call(`${s.url}/fast`, { agent });
    assert.equal(warm.headers.connection, 'keep-alive');
    const arrived = s.arrival();
    const inFlight = call(`${s.url}/slow`, { agent });
    await arrived;
    const started = performance.now();
    const drained = drainServer(s.server, 5000);
    s.release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close', 'the keep-alive client is told to move on');
    await drained;
    assert.ok(performance.now() - started < 1000, 'closed as soon as the last response was sent');
    assert.equal(s.server.listening, false);
  });

  it('closes idle keep-alive connections at once and refuses new ones', async () => {
    const s = await holdingServer();
    const agent = keepAlive();
    await call(`${s.url}/fast`, { agent });
    const started = performance.now();
    await drainServer(s.server, 5000);
    assert.ok(performance.now() - started < 500, 'an idle connection does not hold the drain');
    await assert.rejects(call(`${s.url}/fast`, { agent: keepAlive() }), /ECONNREFUSED/);
  });

  it('cuts what is still open at the deadline, after calling onDeadline', async () => {
    const s = await holdingServer();
    const arrived = s.arrival();
    const hanging = call(`${s.url}/slow`, { agent: keepAlive() });
    hanging.catch(() => {});
    await arrived;
    let deadlineCalled = false;
    const started = performance.now();
    await drainServer(s.server, 200, () => {
      deadlineCalled = true;
    });
    const took = performance.now() - started;
    assert.ok(deadlineCalled);
    assert.ok(took >= 180 && took < 2000, `closed after ${Math.round(took)} ms`);
    await assert.rejects(hanging, /socket hang up|ECONNRESET/);
  });
});
