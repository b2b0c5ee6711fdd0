import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, describe, it } from 'node:test';
import { call, getFreePort, startNodeProcess } from '@floodgate/shared/testing';
import { echoHandler, startBackend, type TestBackend } from '../test-support/start-backend.js';
import { startTestLoadBalancer } from '../test-support/start-test-load-balancer.js';

/** A backend that holds `/slow` until released and never answers `/hang`. */
async function holdingBackend() {
  const held: (() => void)[] = [];
  const waiters: (() => void)[] = [];
  const backend = await startBackend('holding', (req, res) => {
    if (req.url === '/slow') {
      held.push(() => echoHandler('holding')(req, res));
      waiters.shift()?.();
    } else if (req.url === '/hang') {
      waiters.shift()?.();
    } else {
      echoHandler('holding')(req, res);
    }
  });
  return {
    backend,
    arrival: () => new Promise<void>((r) => waiters.push(r)),
    release: () => held.shift()?.(),
  };
}

describe('graceful shutdown', { timeout: 20_000 }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const track = (b: TestBackend) => {
    cleanups.push(() => b.close());
    return b;
  };

  it('answers the in-flight request with Connection: close, refuses new connections, then stops', async () => {
    const h = await holdingBackend();
    track(h.backend);
    const lb = await startTestLoadBalancer([h.backend.url], { SHUTDOWN_TIMEOUT_MS: '5000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const warm = await call(`${lb.url}/fast`, { agent });
    assert.equal(warm.headers.connection, 'keep-alive', 'a keep-alive connection is open');
    const arrived = h.arrival();
    const inFlight = call(`${lb.url}/slow`, { agent }); // reuses the busy keep-alive socket
    await arrived;
    const closed = lb.close();
    await assert.rejects(call(`${lb.url}/new`), /ECONNREFUSED/, 'no new connections');
    h.release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close', 'the keep-alive client is told to move on');
    await closed;
    assert.equal(lb.lb.server.listening, false);
    assert.equal(lb.lb.pool.backends[0]?.inFlight, 0);
  });

  it('cuts what is still open at SHUTDOWN_TIMEOUT_MS', async () => {
    const h = await holdingBackend();
    track(h.backend);
    const lb = await startTestLoadBalancer([h.backend.url], { SHUTDOWN_TIMEOUT_MS: '300' });
    const arrived = h.arrival();
    const hanging = call(`${lb.url}/hang`);
    hanging.catch(() => {}); // asserted below, after close()
    await arrived;
    const started = performance.now();
    await lb.close();
    const took = performance.now() - started;
    assert.ok(took >= 250 && took < 2000, `closed after ${Math.round(took)} ms`);
    await assert.rejects(hanging, /socket hang up|ECONNRESET/);
  });

  it('as a process: SIGTERM finishes the in-flight request and exits 0 within the drain deadline', async () => {
    const h = await holdingBackend();
    track(h.backend);
    const port = await getFreePort();
    const child = startNodeProcess('load-balancer/src/main.ts', {
      env: {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        LB_PORT: String(port),
        API_SERVERS: h.backend.url,
        SHUTDOWN_TIMEOUT_MS: '1500',
        LOG_LEVEL: 'info',
      },
    });
    cleanups.push(async () => {
      await child.kill();
    });
    await child.waitForOutput(/load balancer listening/);
    const url = `http://127.0.0.1:${port}`;

    const slowArrived = h.arrival();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const slow = call(`${url}/slow`, { agent });
    await slowArrived;
    const hangArrived = h.arrival();
    const hanging = call(`${url}/hang`);
    hanging.catch(() => {});
    await hangArrived;

    const sentAt = performance.now();
    const exited = child.stop(10_000); // SIGTERM; SIGKILL only long after the deadline asserted below
    await child.waitForOutput(/shutting down/);
    h.release();
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close');
    await assert.rejects(hanging, /socket hang up|ECONNRESET/, 'cut at the deadline');
    assert.equal((await exited).code, 0);
    const took = performance.now() - sentAt;
    assert.ok(took < 1500 + 1000, `exited ${Math.round(took)} ms after SIGTERM`);
    assert.match(child.output(), /"msg":"stopped"/);
  });
});
