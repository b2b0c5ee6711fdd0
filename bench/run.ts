/**
 * `npm run bench [-- --duration 10 --connections 50 --warmup 2]`: starts its own stack on 127.0.0.1
 * (three api-servers, the load balancer, the gateway), drives each scenario of scenarios.ts with
 * autocannon for a fixed duration, prints RPS, p50/p99, ratios against the direct api-server and the
 * latency each hop adds, and writes bench/results/latest.json. Stops every process it started.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteRedisPrefix, type TestProcess } from '@floodgate/shared/testing';
import autocannon from 'autocannon';
import { type BenchOptions, parseBenchOptions, USAGE } from './bench-options.js';
import {
  BENCH_DATABASE,
  BENCH_HOST,
  BENCH_LOG_LEVEL,
  type BenchStack,
  isRedisReachable,
  startBenchStack,
} from './bench-stack.js';
import { formatCacheBench, runCacheBench } from './cache-bench.js';
import { processCpuMicros } from './process-cpu.js';
import { deriveRows, formatTable, type Measurement } from './report.js';
import { type RequestSetup, SCENARIOS, type Scenario } from './scenarios.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'latest.json');

/** The bench only ever sends load to the processes it started on the loopback interface. */
function assertLoopback(url: string): void {
  if (new URL(url).hostname !== BENCH_HOST)
    throw new Error(`refusing to send load to ${url}: not ${BENCH_HOST}`);
}

function drive(url: string, setup: RequestSetup, connections: number, durationSeconds: number) {
  assertLoopback(url);
  return autocannon({
    url,
    connections,
    duration: durationSeconds,
    pipelining: 1,
    timeout: 10,
    method: setup.method ?? 'GET',
    ...(setup.headers ? { headers: setup.headers } : {}),
    ...(setup.body !== undefined ? { body: setup.body } : {}),
  });
}

interface PreparedScenario {
  scenario: Scenario;
  url: string;
  setup: RequestSetup;
}

/** Builds the request and checks the path works end to end (e.g. the balancer sees healthy backends). */
async function prepare(stack: BenchStack, scenario: Scenario): Promise<PreparedScenario> {
  const setup = await scenario.prepare(stack);
  const url = `${stack.urls[scenario.entry]}${setup.path}`;
  assertLoopback(url);
  const probe = await fetch(url, {
    method: setup.method ?? 'GET',
    headers: setup.headers ?? {},
    ...(setup.body !== undefined ? { body: setup.body } : {}),
    signal: AbortSignal.timeout(5000),
  });
  const probeBody = await probe.text();
  if (!probe.ok)
    throw new Error(`${scenario.name}: ${url} answered ${probe.status} before the run: ${probeBody}`);
  return { scenario, url, setup };
}

async function measureOnce(
  stack: BenchStack,
  p: PreparedScenario,
  options: BenchOptions,
): Promise<Measurement> {
  const pids = stack.children.map((c) => c.pid);
  const hopPid = stack.pids[p.scenario.entry];
  const hopBefore = processCpuMicros(hopPid);
  const stackBefore = sumCpu(pids);
  const result = await drive(p.url, p.setup, options.connections, options.durationSeconds);
  const hopAfter = processCpuMicros(hopPid);
  const stackAfter = sumCpu(pids);

  const requests = result.requests.total;
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined || requests === 0 ? undefined : (after - before) / requests;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    scenario: p.scenario.name,
    entry: p.scenario.entry,
    url: p.url,
    connections: options.connections,
    durationSeconds: result.duration,
    requests,
    rps: result.duration > 0 ? requests / result.duration : 0,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    hopCpuMicrosPerRequest: perRequest(hopBefore, hopAfter),
    stackCpuMicrosPerRequest: perRequest(stackBefore, stackAfter),
  };
}

/** The round with the median RPS (the lower middle for an even count), failures summed over rounds. */
function medianRound(rounds: readonly Measurement[]): Measurement {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error('no rounds measured');
  const sum = (pick: (m: Measurement) => number) => rounds.reduce((n, m) => n + pick(m), 0);
  return {
    ...median,
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
  };
}

function sumCpu(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const cpu = processCpuMicros(pid);
    if (cpu === undefined) return undefined;
    total += cpu;
  }
  return total;
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\nscenarios: ${SCENARIOS.map((s) => s.name).join(' | ')}\n`);
    return 0;
  }
  const scenarios = SCENARIOS.filter(
    (s, i) => i === 0 || options.only.length === 0 || options.only.includes(s.name),
  );
  // Every process the bench started; the harness also SIGKILLs any still running when it exits.
  const started: TestProcess[] = [];
  let stack: BenchStack | undefined;
  let cleanup: Promise<void> | undefined;
  const stopEverything = () => {
    cleanup ??= (async () => {
      await Promise.all(started.map((child) => child.stop(5000)));
      if (stack?.redisPrefix) {
        await deleteRedisPrefix(stack.redisPrefix).catch((err: unknown) => {
          process.stderr.write(`bench: could not delete Redis keys ${stack?.redisPrefix}*: ${String(err)}\n`);
        });
      }
    })();
    return cleanup;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, stopping the processes it started\n`);
    void stopEverything().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const redis = await isRedisReachable();
    const cores = availableParallelism();
    const [loadBefore = 0] = loadavg();
    process.stdout.write(
      [
        `floodgate bench: GET /api/v1/status, ${options.connections} connections, ${options.durationSeconds} s per path ` +
          `x ${options.rounds} round(s), after ${options.warmupSeconds} s warm-up of each path`,
        `node ${process.version}, ${cores} cores (${cpus()[0]?.model ?? 'unknown cpu'}), everything on ${BENCH_HOST}`,
        `LOG_LEVEL=${BENCH_LOG_LEVEL} (no per-request access log lines), NODE_ENV=development (dev seed on), ` +
          `PostgreSQL database ${BENCH_DATABASE}, ` +
          (redis ? 'Redis 127.0.0.1:6379 (shared rate limit and L2 cache)' : 'no Redis (in-process stores)'),
        `load average before the run: ${loadBefore.toFixed(2)}` +
          (loadBefore > cores / 2 ? ' (the machine is busy: expect noisy numbers; try --rounds 3)' : ''),
        'starting the stack...',
        '',
      ].join('\n'),
    );
    stack = await startBenchStack(started, { redis });
    const prepared: PreparedScenario[] = [];
    for (const scenario of scenarios) {
      process.stdout.write(`  ${scenario.name}: ${stack.urls[scenario.entry]}\n`);
      prepared.push(await prepare(stack, scenario));
    }
    // Every process is warm (JIT, pools, caches) before anything is measured.
    if (options.warmupSeconds > 0) {
      for (const p of prepared) await drive(p.url, p.setup, options.connections, options.warmupSeconds);
    }
    // Rounds interleave the scenarios, so a burst of outside load hits one round of each, not one row.
    const rounds = new Map<string, Measurement[]>(prepared.map((p) => [p.scenario.name, []]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const p of prepared) rounds.get(p.scenario.name)?.push(await measureOnce(stack, p, options));
    }
    const rows = deriveRows(
      scenarios,
      [...rounds.values()].map((m) => medianRound(m)),
    );
    process.stdout.write(`\n${formatTable(rows)}\n\n`);
    process.stdout.write(
      `${options.rounds > 1 ? 'Each row is its median-RPS round. ' : ''}x direct: RPS / direct RPS in this run. ` +
        "+ms/hop: mean latency (connections / RPS) minus the previous path's.\n" +
        'CPU us/req: CPU time of the process receiving the load per request (from /proc).\n',
    );
    await mkdir(dirname(RESULTS_FILE), { recursive: true });
    await writeFile(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          finishedAt: new Date().toISOString(),
          node: process.version,
          cores,
          loadAverageBefore: loadBefore,
          options,
          logLevel: BENCH_LOG_LEVEL,
          redis,
          database: BENCH_DATABASE,
          rows,
          rounds: Object.fromEntries(rounds),
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`results: ${RESULTS_FILE}\n`);
    const cache = await runCacheBench(stack.urls.gateway, options);
    if (cache) process.stdout.write(`\n${formatCacheBench(cache)}`);
    const failed = rows.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
    for (const r of failed)
      process.stderr.write(`bench: ${r.scenario} had failed requests (see the table)\n`);
    return failed.length > 0 ? 1 : 0;
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await stopEverything();
  }
}

process.exit(await main());
