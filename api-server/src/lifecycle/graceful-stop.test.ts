import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { type ApiProcess, startApiProcess } from '../testing/start-api-process.js';

const DELAY_MS = 800;
const TIMEOUT_MS = 3000;
/** GET /api/v1/external takes this long (the simulated dependency's latency). */
const SLOW_MS = 1200;

describe('api-server graceful stop (SIGTERM on the process)', { timeout: 30_000 }, () => {
  let db: TestDatabase;
  let api: ApiProcess;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  before(async () => {
    db = await createTestDatabase('graceful');
    api = await startApiProcess('graceful', {
      DATABASE_URL: db.url,
      RUN_MIGRATIONS: 'true',
      SEED_DEV_DATA: 'false',
      SHUTDOWN_DELAY_MS: String(DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(TIMEOUT_MS),
      EXTERNAL_FAILURE_RATE: '0',
      EXTERNAL_LATENCY_MS: String(SLOW_MS),
      EXTERNAL_TIMEOUT_MS: '5000',
    });
  });

  after(async () => {
    agent.destroy();
    await api?.kill();
    await db?.drop();
  });

  it('turns readiness to 503 SHUTTING_DOWN first, keeps serving for the delay, then drains and exits 0', async () => {
    const ready = await call(`${api.baseUrl}/health/ready`, { agent });
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.connection, 'keep-alive');
    const stoppedAt = performance.now();
    // SIGTERM; the SIGKILL fallback comes only well after the deadline asserted below.
    const exited = api.stop(2 * (DELAY_MS + TIMEOUT_MS));

    // The balancers' probe sees the explicit signal at once (they mark the instance down on it).
    let probe = await call(`${api.baseUrl}/health/ready`);
    while (probe.status === 200 && performance.now() - stoppedAt < DELAY_MS / 2) {
      probe = await call(`${api.baseUrl}/health/ready`);
    }
    assert.equal(probe.status, 503);
    assert.equal(probe.json<{ error: { code: string } }>().error.code, 'SHUTTING_DOWN');
    assert.equal(probe.headers.connection, 'close');

    // During the delay requests are still served (a balancer may not have probed yet), each one
    // telling its keep-alive client to reconnect.
    const during = await call(`${api.baseUrl}/api/v1/status`, { agent });
    assert.ok(performance.now() - stoppedAt < DELAY_MS, 'answered within the delay');
    assert.equal(during.status, 200);
    assert.equal(during.headers.connection, 'close');
    const slow = call(`${api.baseUrl}/api/v1/external`);

    // After the delay: no new connections; the request in flight is still answered.
    await new Promise((r) => setTimeout(r, DELAY_MS + 200 - (performance.now() - stoppedAt)));
    await assert.rejects(call(`${api.baseUrl}/api/v1/status`), /ECONNREFUSED/);
    const answered = await slow;
    assert.equal(answered.status, 200);
    assert.equal(answered.json<{ source: string }>().source, 'live');
    assert.equal(answered.headers.connection, 'close');

    const { code } = await exited;
    const tookMs = performance.now() - stoppedAt;
    assert.equal(code, 0);
    assert.ok(tookMs >= SLOW_MS, 'waited for the request in flight');
    assert.ok(
      tookMs < DELAY_MS + TIMEOUT_MS,
      `exited within delay + drain deadline (${Math.round(tookMs)} ms)`,
    );
  });
});
