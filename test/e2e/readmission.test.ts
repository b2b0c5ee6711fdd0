import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, type TestContext } from 'node:test';
import { loadLoadBalancerConfig } from '@floodgate/shared';
import { type BackendView, FaultStack, sleep } from './helpers/fault-stack.js';
import { LoadGenerator, summarize } from './helpers/load-generator.js';
import { failuresOf, prepareWorkload, readsOnly, type Workload } from './helpers/workload.js';

/** The balancer's defaults: a 2 s health interval, rise 2, a 30 s breaker reset timeout. */
const DEFAULTS = loadLoadBalancerConfig({});
const INTERVAL_MS = DEFAULTS.healthCheck.intervalMs;
/** Light load through the gateway (requests per second). */
const RPS = 20;
/** Generous deadlines for a busy machine; far below what waiting out the 30 s reset would take. */
const WAIT_MS = 10 * INTERVAL_MS;

const VICTIM = 1;

function byUrl(backends: BackendView[], url: string): BackendView {
  const b = backends.find((x) => x.url === url);
  if (!b) throw new Error(`no backend ${url} in ${JSON.stringify(backends)}`);
  return b;
}

function figure(t: TestContext, name: string, value: unknown): void {
  t.diagnostic(`${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

/**
 * A crashed api-server (kill -9, a real process) is restarted while its breaker is open: it must
 * be back in rotation within two health checks after it is ready, with the default health interval
 * and the default 30 s breaker reset timeout (issue: it stayed out for the whole reset timeout).
 * "Within two health checks" is counted in passing checks, so a slow machine cannot fail it.
 */
describe('re-admission of a restarted api-server (default settings, real processes)', {
  timeout: 180_000,
}, () => {
  let stack: FaultStack;
  let workload: Workload;
  const generators: LoadGenerator[] = [];

  before(async () => {
    assert.equal(DEFAULTS.healthCheck.rise, 2);
    assert.equal(DEFAULTS.circuit.resetTimeoutMs, 30_000);
    stack = await FaultStack.start({
      label: 'readmission',
      lbEnv: {
        HEALTH_CHECK_INTERVAL_MS: String(INTERVAL_MS),
        CIRCUIT_RESET_TIMEOUT: String(DEFAULTS.circuit.resetTimeoutMs),
      },
    });
    workload = await prepareWorkload(stack.gatewayUrl, stack.db.url, { stable: 10, deletable: 0 });
  });

  beforeEach(async () => {
    for (const gen of generators.splice(0)) if (gen.running) await gen.stop();
    await stack.reset();
  });

  after(async () => {
    for (const gen of generators.splice(0)) if (gen.running) await gen.stop();
    await stack?.close();
  });

  async function crashAndRestart(t: TestContext, label: string, waitUntilMarkedDown: boolean) {
    const url = stack.apiUrls[VICTIM] as string;
    const id = byUrl(await stack.backends(), url).id;
    const gen = new LoadGenerator({
      baseUrl: stack.gatewayUrl,
      rps: RPS,
      next: readsOnly(workload),
      headers: { authorization: `Bearer ${workload.token}` },
    }).start();
    generators.push(gen);
    await sleep(1000);
    await stack.killApi(VICTIM);
    await stack.waitForBackends(
      (bs) => byUrl(bs, url).circuitState === 'open' && (!waitUntilMarkedDown || !byUrl(bs, url).healthy),
      WAIT_MS,
      waitUntilMarkedDown ? 'the breaker open and the checks failing' : 'the breaker open',
    );
    const readyAt = await stack.startApi(VICTIM);
    const passesAtReady = await stack.passedChecks(id);
    // Whether its checks had marked it down by the time it was ready (the restart itself takes a while).
    const healthyAtReady = byUrl(await stack.backends(), url).healthy;
    const backAt = await stack.waitForBackends(
      (bs) => byUrl(bs, url).available,
      WAIT_MS,
      'the restarted api-server back in rotation',
    );
    const passes = (await stack.passedChecks(id)) - passesAtReady;
    await sleep(500);
    const report = await gen.stop();
    const readmitMs = backAt - readyAt;

    figure(t, `${label}: still counted healthy when ready`, healthyAtReady);
    figure(
      t,
      `${label}: back in rotation ms after ready (intervals, passing checks)`,
      `${Math.round(readmitMs)} (${(readmitMs / INTERVAL_MS).toFixed(2)}, ${passes})`,
    );
    figure(t, `${label}: requests`, { total: report.results.length, byOutcome: summarize(report.results) });

    assert.ok(passes <= 2, `back in rotation after ${passes} passing checks (${Math.round(readmitMs)} ms)`);
    const failed = failuresOf(report.results);
    assert.equal(failed.length, 0, `reads failed: ${JSON.stringify(summarize(failed))}`);
  }

  it('restarted at once (as a supervisor does): back within two health checks of being ready', async (t) => {
    await crashAndRestart(t, 'restart', false);
  });

  it('restarted after its checks marked it down: back within two health checks (rise 2)', async (t) => {
    await crashAndRestart(t, 'restart after down', true);
  });
});
