/**
 * The cache row of `npm run bench`: `GET /api/v1/resources/:id` through the full path (gateway →
 * balancer → api-servers) on a Zipf-like key mix, starting from empty caches. Reports the hit ratio
 * per level from the `X-Cache` answers and RPS, p50 and p99 for L1 hits, L2 hits and misses in the
 * same run, and writes bench/results/cache-latest.json.
 */
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheOverviewAnswer } from '@floodgate/shared/admin-api';

const RESULTS_FILE = join(resolve(dirname(fileURLToPath(import.meta.url))), 'results', 'cache-latest.json');

/** Distinct resources in the mix. */
const ZIPF_KEYS = 1000;
/** Zipf exponent: ~0.6 of requests go to the 100 most popular keys. */
const ZIPF_S = 1.0;
const CACHE_SCENARIO = 'cache (zipf mix, full path)';

type Status = 'HIT-L1' | 'HIT-L2' | 'MISS' | 'STALE' | 'other';

export interface CacheBenchRow {
  status: Status;
  requests: number;
  share: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface CacheBenchResult {
  scenario: string;
  keys: number;
  zipfS: number;
  connections: number;
  durationSeconds: number;
  requests: number;
  rps: number;
  errors: number;
  hitRatio: { l1: number; l2: number; combined: number };
  rows: CacheBenchRow[];
  /** PostgreSQL loads the api-servers reported for the run (from the gateway's cache admin API). */
  loads: number | undefined;
}

/** Cumulative Zipf distribution over ranks 1..n; `pick()` maps a uniform number to a rank. */
function zipf(n: number, s: number): (u: number) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return (u) => {
    const target = u * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(agent: Agent, base: string, method: string, path: string, token?: string, body?: unknown) {
  return new Promise<Answer>((resolvePromise, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Ids of at least `n` resources, creating the missing ones (the bench database is kept between runs). */
async function ensureResources(agent: Agent, base: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await call(agent, base, 'GET', `/api/v1/resources?limit=100${q}`);
    if (page.status !== 200) throw new Error(`listing resources: ${page.status} ${page.body}`);
    const parsed = JSON.parse(page.body) as { data: { id: number }[]; nextCursor: string | null };
    ids.push(...parsed.data.map((r) => r.id));
    cursor = parsed.nextCursor;
  } while (cursor !== null && ids.length < n);
  if (ids.length >= n) return ids.slice(0, n);
  const login = await call(agent, base, 'POST', '/api/v1/auth/login', undefined, {
    email: 'user@example.com',
    password: 'user123',
  });
  const { token } = JSON.parse(login.body) as { token: string };
  while (ids.length < n) {
    const created = await call(agent, base, 'POST', '/api/v1/resources', token, {
      name: `bench resource ${ids.length + 1}`,
      type: 'bench',
      data: { description: 'x'.repeat(200), tags: ['zipf', 'cache'], n: ids.length + 1 },
    });
    if (created.status !== 201) throw new Error(`creating a resource: ${created.status} ${created.body}`);
    ids.push((JSON.parse(created.body) as { id: number }).id);
  }
  return ids;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Runs the cache row: empties every cache level (admin API), then drives `connections` closed-loop
 * clients for `durationSeconds` (after `warmupSeconds` of the same mix, whose answers are not
 * counted: the measured run starts from the caches the warm-up left, as production does).
 */
export async function runCacheBench(
  gatewayUrl: string,
  options: { connections: number; durationSeconds: number; warmupSeconds: number; only: readonly string[] },
): Promise<CacheBenchResult | null> {
  if (options.only.length > 0 && !options.only.includes(CACHE_SCENARIO)) return null;
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  try {
    const ids = await ensureResources(agent, gatewayUrl, ZIPF_KEYS);
    const admin = await call(agent, gatewayUrl, 'POST', '/api/v1/auth/login', undefined, {
      email: 'admin@example.com',
      password: 'admin123',
    });
    const adminToken = (JSON.parse(admin.body) as { token: string }).token;
    const cleared = await call(agent, gatewayUrl, 'POST', '/api/v1/admin/cache/clear', adminToken, {});
    if (cleared.status !== 200) throw new Error(`clearing the caches: ${cleared.status} ${cleared.body}`);
    const loadsNow = async () => {
      const s = await call(agent, gatewayUrl, 'GET', '/api/v1/admin/cache', adminToken);
      if (s.status !== 200) return undefined;
      return CacheOverviewAnswer.parse(JSON.parse(s.body)).data.totals.loads.ok;
    };

    const pick = zipf(ids.length, ZIPF_S);
    const latencies: Record<Status, number[]> = {
      'HIT-L1': [],
      'HIT-L2': [],
      MISS: [],
      STALE: [],
      other: [],
    };
    let errors = 0;
    let record = false;
    let stopAt = 0;
    const worker = async () => {
      while (performance.now() < stopAt) {
        const id = ids[pick(Math.random())] as number;
        const t0 = performance.now();
        try {
          const res = await call(agent, gatewayUrl, 'GET', `/api/v1/resources/${id}`);
          const ms = performance.now() - t0;
          if (!record) continue;
          const x = res.headers['x-cache'];
          const status: Status =
            res.status === 200 && (x === 'HIT-L1' || x === 'HIT-L2' || x === 'MISS' || x === 'STALE')
              ? x
              : 'other';
          if (status === 'other') errors++;
          latencies[status].push(ms);
        } catch {
          if (record) errors++;
        }
      }
    };
    const drive = (seconds: number) => {
      stopAt = performance.now() + seconds * 1000;
      return Promise.all(Array.from({ length: options.connections }, worker));
    };
    if (options.warmupSeconds > 0) await drive(options.warmupSeconds);
    const loadsBefore = await loadsNow();
    record = true;
    const started = performance.now();
    await drive(options.durationSeconds);
    const seconds = (performance.now() - started) / 1000;
    const loadsAfter = await loadsNow();

    const total = Object.values(latencies).reduce((n, l) => n + l.length, 0);
    const rows: CacheBenchRow[] = (['HIT-L1', 'HIT-L2', 'MISS', 'STALE'] as const).map((status) => {
      const sorted = Float64Array.from(latencies[status]).sort();
      return {
        status,
        requests: sorted.length,
        share: total ? sorted.length / total : 0,
        rps: sorted.length / seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
      };
    });
    const share = (s: Status) => (total ? latencies[s].length / total : 0);
    const result: CacheBenchResult = {
      scenario: CACHE_SCENARIO,
      keys: ids.length,
      zipfS: ZIPF_S,
      connections: options.connections,
      durationSeconds: seconds,
      requests: total,
      rps: total / seconds,
      errors,
      hitRatio: { l1: share('HIT-L1'), l2: share('HIT-L2'), combined: share('HIT-L1') + share('HIT-L2') },
      rows,
      loads: loadsBefore === undefined || loadsAfter === undefined ? undefined : loadsAfter - loadsBefore,
    };
    await writeFile(
      RESULTS_FILE,
      `${JSON.stringify({ finishedAt: new Date().toISOString(), ...result }, null, 2)}\n`,
    );
    return result;
  } finally {
    agent.destroy();
  }
}

/** The cache table, as printed after the main one. */
export function formatCacheBench(r: CacheBenchResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const ms = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(2));
  const lines = [
    `${r.scenario}: ${r.keys} keys, s=${r.zipfS}, ${r.connections} connections, ${r.durationSeconds.toFixed(1)} s, ` +
      `${Math.round(r.rps)} rps, ${r.errors} errors`,
    `hit ratio: L1 ${pct(r.hitRatio.l1)}, L2 ${pct(r.hitRatio.l2)}, combined ${pct(r.hitRatio.combined)}` +
      (r.loads === undefined ? '' : `; PostgreSQL loads during the run: ${r.loads}`),
    'X-Cache   requests   share     rps       p50 ms   p99 ms',
  ];
  for (const row of r.rows) {
    lines.push(
      `${row.status.padEnd(9)} ${String(row.requests).padStart(8)}   ${pct(row.share).padStart(7)}   ${String(Math.round(row.rps)).padStart(6)}   ${ms(row.p50Ms).padStart(6)}   ${ms(row.p99Ms).padStart(6)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
