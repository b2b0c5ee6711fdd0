import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { FakeBackend } from './helpers/fake-backend.js';
import {
  API_SHUTDOWN_TIMEOUT_MS,
  type BackendView,
  FaultStack,
  HEALTH_INTERVAL_MS,
  SHUTDOWN_DELAY_MS,
  sleep,
  TRY_TIMEOUT_MS,
} from './helpers/fault-stack.js';
import { LoadGenerator, type LoadRequest, type LoadResult, summarize } from './helpers/load-generator.js';
import { failuresOf, idempotentMix, prepareWorkload, readsOnly, type Workload } from './helpers/workload.js';

/** Steady load of every scenario (requests per second through the gateway). */
const RPS = 200;
/** Probe spacing is interval × (1 ± jitter/2) with the default jitter 0.2. */
const MAX_PROBE_GAP_MS = HEALTH_INTERVAL_MS * 1.1;
/** Slack for the test's own polling of the balancer (every 25 ms) and a probe's round trip. */
const OBSERVE_SLACK_MS = 150;

const byUrl = (backends: BackendView[], url: string) => {
  const b = backends.find((x) => x.url === url);
  if (!b) throw new Error(`no backend ${url} in ${JSON.stringify(backends)}`);
  return b;
};

function assertNoFailures(results: readonly LoadResult[], what: string): void {
  const failed = failuresOf(results);
  assert.equal(
    failed.length,
    0,
    `${what}: ${failed.length} failed of ${results.length}: ${JSON.stringify(summarize(failed))}`,
  );
}

function retriesAdded(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [reason, n] of Object.entries(after)) {
    const added = n - (before[reason] ?? 0);
    if (added > 0) out[reason] = added;
  }
  return out;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Reports a measured figure (shown by the test runner; quoted in docs/resilience.md). */
function figure(t: TestContext, name: string, value: unknown): void {
  t.diagnostic(`${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

describe('resilience under faults (gateway → balancer → 3 api-servers, real processes)', {
  timeout: 170_000,
}, () => {
  let stack: FaultStack;
  let workload: Workload;
  const fakes: FakeBackend[] = [];

  before(async () => {
    stack = await FaultStack.start({ label: 'faults' });
    workload = await prepareWorkload(stack.gatewayUrl, stack.db.url, { stable: 40, deletable: 2000 });
  });

  beforeEach(async () => {
    // A scenario that failed half-way may have left its load running.
    for (const gen of generators.splice(0)) if (gen.running) await gen.stop();
    await stack.reset();
    for (const f of fakes.splice(0)) await f.close();
  });

  after(async () => {
    for (const gen of generators.splice(0)) if (gen.running) await gen.stop();
    for (const f of fakes.splice(0)) await f.close();
    await stack?.close();
  });

  const generators: LoadGenerator[] = [];
  const load = (next: (i: number) => LoadRequest, rps = RPS) => {
    const gen = new LoadGenerator({
      baseUrl: stack.gatewayUrl,
      rps,
      next,
      headers: { authorization: `Bearer ${workload.token}` },
    }).start();
    generators.push(gen);
    return gen;
  };

  const addFake = async (fake: FakeBackend): Promise<string> => {
    await fake.listen();
    fakes.push(fake);
    const res = await stack.lbAdmin<{ data: BackendView }>('POST', '/backends', { url: fake.url });
    assert.equal(res.status, 201);
    return res.body.data.id;
  };

  it('kill -9 one api-server: no failed GET/PUT/DELETE, down within 2 intervals, back within 3 after restart', async (t) => {
    const victim = stack.apiUrls[1] as string;
    const retriesBefore = await stack.retries();
    const gen = load(idempotentMix(workload));
    await sleep(1000);
    const killedAt = performance.now();
    await stack.killApi(1);
    const downAt = await stack.waitForBackends(
      (bs) => !byUrl(bs, victim).healthy,
      5000,
      'the killed api-server marked down',
    );
    await sleep(500);
    const readyAt = await stack.startApi(1);
    const backAt = await stack.waitForBackends(
      (bs) => byUrl(bs, victim).available,
      10_000,
      'the restarted api-server re-admitted',
    );
    await sleep(1000);
    const report = await gen.stop();
    const retries = retriesAdded(retriesBefore, await stack.retries());

    const detectMs = downAt - killedAt;
    const readmitMs = backAt - readyAt;
    figure(t, 'kill -9: requests', { total: report.results.length, byOutcome: summarize(report.results) });
    figure(
      t,
      'kill -9: detection ms (intervals)',
      `${Math.round(detectMs)} (${(detectMs / HEALTH_INTERVAL_MS).toFixed(2)})`,
    );
    figure(
      t,
      'kill -9: re-admission ms after ready (intervals)',
      `${Math.round(readmitMs)} (${(readmitMs / HEALTH_INTERVAL_MS).toFixed(2)})`,
    );
    figure(t, 'kill -9: retries added', retries);

    assertNoFailures(report.results, 'GET/PUT/DELETE while an api-server was killed');
    assert.ok(report.results.length >= RPS * 3, `steady load ran (${report.results.length} requests)`);
    assert.ok(
      detectMs <= 2 * MAX_PROBE_GAP_MS + OBSERVE_SLACK_MS,
      `marked down after ${Math.round(detectMs)} ms`,
    );
    assert.ok(
      readmitMs <= 2 * MAX_PROBE_GAP_MS + HEALTH_INTERVAL_MS + OBSERVE_SLACK_MS,
      `re-admitted ${Math.round(readmitMs)} ms after ready`,
    );
    assert.ok(total(retries) > 0, 'requests that met the dead instance were retried elsewhere');
  });

  it('SIGSTOP one api-server: tries time out and are retried elsewhere, no idempotent failure, its breaker opens', async (t) => {
    const victim = stack.apiUrls[2] as string;
    const retriesBefore = await stack.retries();
    const watcher = stack.watch();
    // Half the usual rate: every try on the frozen instance waits a whole try timeout, and on this
    // 2-core box retries of a 200 rps burst would outgrow the retry budget (20 % of active requests).
    const gen = load(idempotentMix(workload));
    await sleep(1000);
    const stoppedAt = performance.now();
    stack.signalApi(2, 'SIGSTOP');
    await stack.waitForBackends(
      (bs) => byUrl(bs, victim).circuitState === 'open' && !byUrl(bs, victim).healthy,
      TRY_TIMEOUT_MS + 6 * HEALTH_INTERVAL_MS,
      'the frozen api-server breaker open and marked down',
    );
    await sleep(1000);
    const resumedMs = gen.now();
    stack.signalApi(2, 'SIGCONT');
    const report = await gen.stop();
    await watcher.stop();
    const retries = retriesAdded(retriesBefore, await stack.retries());
    const id = (await stack.backends()).find((b) => b.url === victim)?.id as string;
    const openedAt = watcher.firstAt(id, 'circuitState', 'open', stoppedAt) as number;
    const downAt = watcher.firstAt(id, 'healthy', false, stoppedAt) as number;
    // Requests that waited a whole try timeout before the frozen instance was resumed: they met it.
    const retriedAfterTimeout = report.results.filter(
      (r) => r.latencyMs >= TRY_TIMEOUT_MS && r.startedMs + r.latencyMs < resumedMs,
    );

    figure(t, 'SIGSTOP: requests', { total: report.results.length, byOutcome: summarize(report.results) });
    figure(t, 'SIGSTOP: breaker open after ms', Math.round(openedAt - stoppedAt));
    figure(
      t,
      'SIGSTOP: marked down after ms (intervals)',
      `${Math.round(downAt - stoppedAt)} (${((downAt - stoppedAt) / HEALTH_INTERVAL_MS).toFixed(2)})`,
    );
    figure(t, 'SIGSTOP: requests answered after a timed-out try', retriedAfterTimeout.length);
    figure(t, 'SIGSTOP: retries added', retries);

    assertNoFailures(report.results, 'GET/PUT/DELETE while an api-server was frozen');
    assert.ok(openedAt !== undefined, 'the breaker of the frozen backend opened');
    assert.ok((retries.timeout ?? 0) > 0, `timed-out tries were retried (${JSON.stringify(retries)})`);
    assert.ok(
      retriedAfterTimeout.length > 0,
      'some requests waited one try timeout, then succeeded elsewhere',
    );
    assert.ok(
      retriedAfterTimeout.every((r) => r.backend !== id),
      'every request that met the frozen backend was answered by another one',
    );
  });

  it('a backend answering 500 to everything: its breaker opens and traffic moves to the others', async (t) => {
    const fake = new FakeBackend({ status: 500 });
    const id = await addFake(fake);
    const gen = load(readsOnly(workload));
    await stack.waitForBackends(
      (bs) => bs.find((b) => b.id === id)?.circuitState === 'open',
      5000,
      'the 500 backend breaker open',
    );
    // Tries the balancer sent it until now (some may still be on their way on a busy machine).
    const sentWhenOpen = (await stack.backends()).find((b) => b.id === id)?.requests ?? 0;
    const openSeenAt = performance.now();
    await sleep(3000);
    const report = await gen.stop();
    const sentAfterOpen = ((await stack.backends()).find((b) => b.id === id)?.requests ?? 0) - sentWhenOpen;
    const client500 = report.results.filter((r) => r.status === 500);
    const others = report.results.filter((r) => r.status !== 500);
    // Open, it gets only half-open trials: one per passing health check (its /health/ready passes).
    const trialsAllowed = fake.probes.filter((p) => p.pass && p.at > openSeenAt).length + 1;

    figure(t, '500s: requests', { total: report.results.length, byOutcome: summarize(report.results) });
    figure(t, '500s: requests the balancer sent the bad backend before its breaker opened', sentWhenOpen);
    figure(t, '500s: requests it sent it after (half-open trials)', sentAfterOpen);

    assert.ok(
      sentWhenOpen >= 5,
      `the breaker waited for CIRCUIT_FAILURE_THRESHOLD failures (${sentWhenOpen})`,
    );
    assert.ok(
      sentAfterOpen <= trialsAllowed,
      `only half-open trials were sent to it after opening (${sentAfterOpen} > ${trialsAllowed})`,
    );
    assert.equal(
      client500.length,
      fake.arrivals.length,
      'every 500 the client saw came from the bad backend',
    );
    assertNoFailures(others, 'requests served by the healthy backends');
    assert.ok(others.length > report.results.length * 0.95, 'traffic moved to the other backends');
  });

  it('a backend whose health flaps every second is never re-admitted before 2 passing checks', async (t) => {
    const flipMs = 1000;
    const t0 = performance.now();
    const fake = new FakeBackend({ healthy: () => Math.floor((performance.now() - t0) / flipMs) % 2 === 0 });
    const id = await addFake(fake);
    const watcher = stack.watch();
    const gen = load(readsOnly(workload));
    await sleep(6 * flipMs);
    const report = await gen.stop();
    await watcher.stop();
    const verdicts = watcher.changes.filter((c) => c.id === id && c.field === 'healthy').slice(1);
    const lastTwoBefore = (at: number) => fake.probes.filter((p) => p.at < at).slice(-2);

    figure(t, 'flapping: probes', fake.probes.map((p) => (p.pass ? '+' : '-')).join(''));
    figure(t, 'flapping: verdict changes', verdicts.map((v) => (v.value ? 'up' : 'down')).join(','));
    figure(t, 'flapping: requests', { total: report.results.length, byOutcome: summarize(report.results) });

    assert.ok(verdicts.length >= 2, `the backend went down and up at least once (${verdicts.length})`);
    for (const v of verdicts) {
      const last = lastTwoBefore(v.at);
      assert.equal(last.length, 2);
      assert.ok(
        last.every((p) => p.pass === v.value),
        `turned ${v.value ? 'healthy' : 'unhealthy'} only after two ${v.value ? 'passing' : 'failing'} checks`,
      );
    }
    const upPhases = Math.ceil((6 * flipMs) / (2 * flipMs)) + 1;
    assert.ok(
      verdicts.filter((v) => v.value).length <= upPhases,
      'at most one re-admission per healthy phase',
    );
    assertNoFailures(report.results, 'reads while a backend flapped');
  });

  it('POSTs while an api-server is killed: no duplicate, every 2xx POST is in the database', async (t) => {
    const run = `ledger-${Date.now().toString(36)}`;
    const gen = load(
      (i) => ({
        method: 'POST',
        path: '/api/v1/resources',
        tag: `${run}-${i}`,
        body: { name: `${run}-${i}`, type: 'ledger' },
      }),
      RPS / 2,
    );
    await sleep(1500);
    await stack.killApi(0);
    await sleep(2500);
    const report = await gen.stop();

    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    const rows = await client
      .query<{ name: string; n: string }>(
        'SELECT name, count(*) AS n FROM resources WHERE name LIKE $1 GROUP BY name',
        [`${run}-%`],
      )
      .finally(() => client.end());
    const stored = new Map(rows.rows.map((r) => [r.name, Number(r.n)]));
    const ok = report.results.filter((r) => r.status === 201);
    const unknown = report.results.filter((r) => r.status !== 201);
    const duplicates = [...stored].filter(([, n]) => n > 1);
    const missing = ok.filter((r) => !stored.has(r.tag as string));

    figure(t, 'POST ledger: requests', {
      total: report.results.length,
      byOutcome: summarize(report.results),
    });
    figure(t, 'POST ledger: not 201, yet stored', unknown.filter((r) => stored.has(r.tag as string)).length);

    assert.ok(report.results.length >= RPS, `steady load ran (${report.results.length} POSTs)`);
    assert.deepEqual(duplicates, [], 'no POST was stored twice');
    assert.deepEqual(
      missing.map((r) => r.tag),
      [],
      'every POST answered 201 is stored',
    );
    assert.equal(stored.size, ok.length + unknown.filter((r) => stored.has(r.tag as string)).length);
  });

  it('all backends down (kill -9 all three): fast 503 NO_BACKEND_AVAILABLE, no request hangs', async (t) => {
    const gen = load(readsOnly(workload), RPS / 2);
    await sleep(500);
    await Promise.all([0, 1, 2].map((i) => stack.killApi(i)));
    const allDownAt = await stack.waitForBackends(
      (bs) => bs.every((b) => !b.healthy),
      10 * HEALTH_INTERVAL_MS,
      'every backend marked down',
    );
    await sleep(1500);
    const report = await gen.stop();

    const whileDown = report.results.filter((r) => gen.startedAt + r.startedMs > allDownAt + 50);
    const slowest = Math.max(...report.results.map((r) => r.latencyMs));
    const slowestWhileDown = Math.max(...whileDown.map((r) => r.latencyMs));
    figure(t, 'all down: requests', { total: report.results.length, byOutcome: summarize(report.results) });
    figure(t, 'all down: slowest answer while down ms', Math.round(slowestWhileDown));
    figure(t, 'all down: slowest answer overall ms', Math.round(slowest));

    assert.ok(whileDown.length >= 50, `requests were sent while everything was down (${whileDown.length})`);
    assert.ok(
      whileDown.every((r) => r.status === 503 && r.code === 'NO_BACKEND_AVAILABLE'),
      JSON.stringify(summarize(whileDown)),
    );
    assert.ok(slowestWhileDown < 250, `503s are fast (slowest ${Math.round(slowestWhileDown)} ms)`);
    assert.ok(
      slowest < 1000,
      `no request hung, not even before the verdicts (slowest ${Math.round(slowest)} ms)`,
    );
    assert.ok(
      report.results.every((r) => r.status === 200 || r.status === 502 || r.status === 503),
      'answers are 200, or 502/503 envelopes',
    );
  });

  it('drain: requests in flight on the drained backend complete, no new request reaches it', async (t) => {
    const fake = new FakeBackend({ delayMs: 300 });
    const id = await addFake(fake);
    const gen = load(readsOnly(workload));
    await sleep(1000);
    const drained = await stack.lbAdmin<{ data: BackendView }>('POST', `/backends/${id}/drain`);
    // Requests the balancer sent it, counted at dispatch: from here on the count must not move.
    const dispatchedAtDrain = drained.body.data.requests;
    const inFlightAtDrain = drained.body.data.inFlight;
    await sleep(1500);
    const report = await gen.stop();
    const status = (await stack.backends()).find((b) => b.id === id) as BackendView;
    const viaFake = report.results.filter((r) => r.backend === id);

    figure(t, 'drain: requests', { total: report.results.length, byOutcome: summarize(report.results) });
    figure(t, 'drain: in flight on the drained backend at drain', inFlightAtDrain);

    assert.equal(drained.status, 200);
    assert.equal(drained.body.data.draining, true);
    assert.ok(inFlightAtDrain > 0, 'the drained backend had requests in flight');
    assert.equal(status.requests, dispatchedAtDrain, 'no request was sent to it after the drain');
    assert.equal(fake.arrivals.length, dispatchedAtDrain, 'every request sent to it arrived there');
    assert.equal(fake.inFlight, 0, 'its in-flight requests were answered');
    assert.equal(status.inFlight, 0);
    assert.equal(viaFake.length, dispatchedAtDrain);
    assert.ok(
      viaFake.every((r) => r.status === 200),
      'and reached their clients',
    );
    assertNoFailures(report.results, 'reads while a backend was drained');
  });

  it('rolling restart (SIGTERM each api-server in turn, then restart it): zero client errors, POSTs included', async (t) => {
    const run = `rolling-${Date.now().toString(36)}`;
    const mix = idempotentMix(workload);
    const gen = load((i) =>
      i % 10 === 5
        ? {
            method: 'POST',
            path: '/api/v1/resources',
            tag: `${run}-${i}`,
            body: { name: `${run}-${i}`, type: 'ledger' },
          }
        : mix(i),
    );
    const watcher = stack.watch();
    const exits: { code: number | null; ms: number; downAfterMs: number }[] = [];
    try {
      await sleep(1000);
      for (let i = 0; i < 3; i++) {
        const url = stack.apiUrls[i] as string;
        const id = (await stack.backends()).find((b) => b.url === url)?.id as string;
        const termAt = performance.now();
        const exit = await stack.terminateApi(i);
        await stack.startApi(i);
        await stack.waitForBackends(
          (bs) => byUrl(bs, url).available,
          10_000,
          `api-${i + 1} back in rotation`,
        );
        const downAt = watcher.firstAt(id, 'healthy', false, termAt) ?? Number.POSITIVE_INFINITY;
        exits.push({ code: exit.code, ms: Math.round(exit.ms), downAfterMs: Math.round(downAt - termAt) });
      }
      await sleep(1000);
    } finally {
      await watcher.stop();
    }
    const report = await gen.stop();

    figure(t, 'rolling restart: requests', {
      total: report.results.length,
      byOutcome: summarize(report.results),
    });
    figure(t, 'rolling restart: exits (code, ms, marked down after ms)', exits);
    figure(
      t,
      'rolling restart: failures',
      failuresOf(report.results).map((r) => [
        r.method,
        r.status,
        r.backend,
        Math.round(r.startedMs),
        Math.round(r.latencyMs),
      ]),
    );
    assertNoFailures(report.results, 'requests during a rolling restart');
    assert.ok(report.results.filter((r) => r.method === 'POST').length >= 100, 'POSTs were part of the load');
    for (const e of exits) {
      assert.equal(e.code, 0, 'SIGTERM exits 0');
      assert.ok(
        e.ms < SHUTDOWN_DELAY_MS + API_SHUTDOWN_TIMEOUT_MS,
        `exited within delay + drain deadline (${e.ms} ms)`,
      );
      assert.ok(
        e.downAfterMs <= MAX_PROBE_GAP_MS + OBSERVE_SLACK_MS,
        `out of rotation on the first probe (${e.downAfterMs} ms)`,
      );
    }
  });
});
