import { randomBytes } from 'node:crypto';
import {
  getFreePort,
  startNodeProcess,
  TEST_PG_ADMIN_URL,
  TEST_REDIS_URL,
  type TestProcess,
} from '@floodgate/shared/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Entry, StackInfo } from './scenarios.js';

export const BENCH_DATABASE = 'floodgate_bench';
export const BENCH_HOST = '127.0.0.1';
/** Per-request access logs are off so the bench measures the proxy path, not log I/O. */
export const BENCH_LOG_LEVEL = 'warn';
/** The anonymous tier limit during the bench: high enough that no request is refused. */
const BENCH_ANONYMOUS_LIMIT = '1000000000';
/** Keyed tiers during the bench: the enterprise demo key is never refused either. */
const BENCH_TIER_LIMITS = 'free=1000,pro=10000,enterprise=1000000000';
const HEALTH_TIMEOUT_MS = 60_000;

export interface BenchStack extends StackInfo {
  /** The process each entry's load lands on (its CPU is that hop's cost). */
  pids: Readonly<Record<Entry, number>>;
  children: readonly TestProcess[];
  databaseUrl: string;
  redisPrefix: string | undefined;
}

/** Creates the bench database on the machine's PostgreSQL when it does not exist yet. */
async function ensureBenchDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DATABASE]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${BENCH_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${BENCH_DATABASE}`;
  return url.toString();
}

/** Whether the machine's Redis answers PING quickly. */
export async function isRedisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts three api-servers, the load balancer and the gateway as child processes on free 127.0.0.1
 * ports and resolves once each answers its health endpoint. api-server #1 starts alone first so the
 * migrations and the dev seed run once before the others connect. Each process is added to
 * `started` as soon as it runs, so the caller can stop them all even if starting fails half way.
 */
export async function startBenchStack(
  started: TestProcess[],
  options: { redis: boolean },
): Promise<BenchStack> {
  const databaseUrl = await ensureBenchDatabase();
  const redisPrefix = options.redis ? `fgbench:${randomBytes(4).toString('hex')}:` : undefined;
  const redisEnv: Record<string, string> = redisPrefix
    ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix }
    : {};
  const base = baseEnv();
  const [api1, api2, api3, lbPort, gatewayPort, bareGatewayPort] = await distinctFreePorts(6);
  const apiPorts = [api1, api2, api3];
  const apiUrls = apiPorts.map((p) => `http://${BENCH_HOST}:${p}`);
  const lbUrl = `http://${BENCH_HOST}:${lbPort}`;
  const gatewayUrl = `http://${BENCH_HOST}:${gatewayPort}`;
  const bareGatewayUrl = `http://${BENCH_HOST}:${bareGatewayPort}`;
  const children: TestProcess[] = [];
  const start = (name: string, entry: string, env: Record<string, string>) => {
    const child = startNodeProcess(entry, { name, env });
    started.push(child);
    children.push(child);
    return child;
  };

  const startApi = (i: number) => {
    const child = start(`api-server #${i + 1}`, 'api-server/src/main.ts', {
      ...base,
      ...redisEnv,
      PORT: String(apiPorts[i]),
      INSTANCE_ID: `bench-api-${i + 1}`,
      DATABASE_URL: databaseUrl,
      RUN_MIGRATIONS: 'true',
      SEED_DEV_DATA: 'true',
    });
    return child.waitForHttp(`${apiUrls[i]}/health/ready`, HEALTH_TIMEOUT_MS);
  };
  await startApi(0);
  await Promise.all([startApi(1), startApi(2)]);

  const lb = start('load-balancer', 'load-balancer/src/main.ts', {
    ...base,
    LB_PORT: String(lbPort),
    API_SERVERS: apiUrls.join(','),
  });
  await lb.waitForHttp(`${lbUrl}/health`, HEALTH_TIMEOUT_MS);

  const gateway = start('gateway', 'gateway/src/main.ts', {
    ...base,
    ...redisEnv,
    GATEWAY_PORT: String(gatewayPort),
    LB_URL: lbUrl,
    DATABASE_URL: databaseUrl,
    RATE_LIMIT_MAX_REQUESTS: BENCH_ANONYMOUS_LIMIT,
    RATE_LIMIT_TIERS: BENCH_TIER_LIMITS,
  });
  await gateway.waitForHttp(`${gatewayUrl}/health`, HEALTH_TIMEOUT_MS);

  // The same gateway with rate limiting off: what the limiter costs is measured against it.
  const bareGateway = start('gateway (limiter off)', 'gateway/src/main.ts', {
    ...base,
    ...redisEnv,
    GATEWAY_PORT: String(bareGatewayPort),
    LB_URL: lbUrl,
    DATABASE_URL: databaseUrl,
    RATE_LIMIT_ENABLED: 'false',
  });
  await bareGateway.waitForHttp(`${bareGatewayUrl}/health`, HEALTH_TIMEOUT_MS);

  const first = children[0];
  if (!first) throw new Error('no api-server started');
  return {
    urls: { api: apiUrls[0] ?? '', lb: lbUrl, gateway: gatewayUrl, 'gateway-bare': bareGatewayUrl },
    redis: options.redis,
    pids: { api: first.pid, lb: lb.pid, gateway: gateway.pid, 'gateway-bare': bareGateway.pid },
    children,
    databaseUrl,
    redisPrefix,
  };
}

/**
 * Only what a component needs: no inherited PORT, REDIS_URL or DATABASE_URL from the caller's shell
 * can point the bench anywhere but 127.0.0.1.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {
    // The dev seed is ignored in production, and the bench needs the seeded data.
    NODE_ENV: 'development',
    LOG_LEVEL: BENCH_LOG_LEVEL,
    HOST: BENCH_HOST,
  };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await getFreePort());
  return [...ports];
}
