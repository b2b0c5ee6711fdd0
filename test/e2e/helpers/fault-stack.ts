import { randomBytes } from 'node:crypto';
import { BackendPage, type BackendStatus } from '@floodgate/shared/admin-api';
import {
  createTestDatabase,
  deleteRedisPrefix,
  getFreePort,
  startNodeProcess,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestProcess,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { assertConformsToOpenApi } from './openapi-conformance.js';

const HOST = '127.0.0.1';

/** The balancer's health-check interval in fault tests; timings are asserted in units of it. */
export const HEALTH_INTERVAL_MS = 500;
/**
 * The balancer's per-try timeout in fault tests: above the cache's 1 s write wait for a silent peer,
 * with room for a busy 2-core machine (an api-server restarting costs a core for seconds).
 */
export const TRY_TIMEOUT_MS = 4000;
/** How long a stopping api-server keeps answering /health/ready 503 SHUTTING_DOWN before it drains. */
export const SHUTDOWN_DELAY_MS = 2 * HEALTH_INTERVAL_MS;
/** An api-server's drain deadline in fault tests. */
export const API_SHUTDOWN_TIMEOUT_MS = 3000;
const POLL_MS = 25;
const READY_TIMEOUT_MS = 60_000;

/** One backend as `/lb/admin/backends` reports it: the shared wire type, never a copy. */
export type BackendView = BackendStatus;

/** A change of one backend's state seen by a BackendWatcher. */
export interface BackendChange {
  /** performance.now() when the poll saw it. */
  at: number;
  id: string;
  field: 'healthy' | 'circuitState' | 'available' | 'draining';
  value: boolean | string;
}

export interface FaultStackOptions {
  label: string;
  apiEnv?: Record<string, string>;
  lbEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
}

/**
 * Three api-servers, the load balancer and a gateway as child processes on free 127.0.0.1 ports,
 * against a fresh PostgreSQL database and a unique Redis prefix, with short health intervals so
 * fault tests are fast. Processes are stopped only by their PIDs; `close()` stops everything it started.
 */
export class FaultStack {
  readonly gatewayUrl: string;
  readonly lbUrl: string;
  readonly apiUrls: readonly string[];
  /** The balancer's admin token (also given to the gateway). */
  readonly lbAdminToken: string;
  readonly db: TestDatabase;
  readonly redisPrefix: string;
  /** Every process this stack started (stopped by PID in close()). */
  readonly #children: TestProcess[] = [];
  readonly #apiEnv: Record<string, string>[];
  readonly #apis: (TestProcess | null)[];
  readonly #stopped = new Set<number>();
  #lb: TestProcess | null = null;
  #gateway: TestProcess | null = null;
  readonly #lbEnv: Record<string, string>;
  readonly #gatewayEnv: Record<string, string>;

  private constructor(
    ports: { gateway: number; lb: number; apis: number[] },
    db: TestDatabase,
    redisPrefix: string,
    options: FaultStackOptions,
  ) {
    this.db = db;
    this.redisPrefix = redisPrefix;
    this.lbAdminToken = randomBytes(24).toString('base64url');
    this.gatewayUrl = `http://${HOST}:${ports.gateway}`;
    this.lbUrl = `http://${HOST}:${ports.lb}`;
    this.apiUrls = ports.apis.map((p) => `http://${HOST}:${p}`);
    const base = baseEnv();
    const redis = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix };
    // A frozen instance must not hold row locks for ever: PostgreSQL ends its open transaction.
    const dbUrl = new URL(db.url);
    dbUrl.searchParams.set('options', '-c idle_in_transaction_session_timeout=5000');
    this.#apiEnv = ports.apis.map((port, i) => ({
      ...base,
      ...redis,
      PORT: String(port),
      INSTANCE_ID: `api-${i + 1}`,
      DATABASE_URL: dbUrl.toString(),
      RUN_MIGRATIONS: 'true',
      SEED_DEV_DATA: 'true',
      SHUTDOWN_TIMEOUT_MS: String(API_SHUTDOWN_TIMEOUT_MS),
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      ...options.apiEnv,
    }));
    this.#apis = ports.apis.map(() => null);
    this.#lbEnv = {
      ...base,
      LB_PORT: String(ports.lb),
      API_SERVERS: this.apiUrls.join(','),
      LB_ADMIN_TOKEN: this.lbAdminToken,
      HEALTH_CHECK_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
      HEALTH_CHECK_TIMEOUT_MS: '2000',
      LB_TRY_TIMEOUT_MS: String(TRY_TIMEOUT_MS),
      SHUTDOWN_TIMEOUT_MS: '3000',
      ...options.lbEnv,
    };
    this.#gatewayEnv = {
      ...base,
      ...redis,
      GATEWAY_PORT: String(ports.gateway),
      LB_URL: this.lbUrl,
      LB_ADMIN_TOKEN: this.lbAdminToken,
      DATABASE_URL: db.url,
      // The load is one user; rate limiting has its own tests (and is on for the WebSocket stack).
      RATE_LIMIT_ENABLED: 'false',
      // Clients of the WebSocket test name themselves with X-Forwarded-For (stickiness is per client).
      TRUST_PROXY: '127.0.0.1',
      SHUTDOWN_TIMEOUT_MS: '3000',
      ...options.gatewayEnv,
    };
  }

  static async start(options: FaultStackOptions): Promise<FaultStack> {
    const ports = new Set<number>();
    while (ports.size < 5) ports.add(await getFreePort());
    const [gateway, lb, ...apis] = [...ports] as [number, number, ...number[]];
    const db = await createTestDatabase(options.label);
    const stack = new FaultStack({ gateway, lb, apis }, db, uniqueRedisPrefix(options.label), options);
    try {
      // The first instance migrates and seeds alone; the others then start together.
      await stack.startApi(0);
      await Promise.all([stack.startApi(1), stack.startApi(2)]);
      stack.#lb = stack.#start('load-balancer', 'load-balancer/src/main.ts', stack.#lbEnv);
      await stack.#lb.waitForHttp(`${stack.lbUrl}/health`, READY_TIMEOUT_MS);
      await stack.startGateway();
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  /** The running api-server #i (0-based), or null after it exited. */
  api(i: number): TestProcess | null {
    const child = this.#apis[i] ?? null;
    return child && !child.hasExited() ? child : null;
  }

  get gateway(): TestProcess | null {
    return this.#gateway;
  }

  get loadBalancer(): TestProcess | null {
    return this.#lb;
  }

  /** Starts api-server #i on its port and resolves with performance.now() when /health/ready first answers 200. */
  async startApi(i: number): Promise<number> {
    if (this.api(i)) throw new Error(`api-${i + 1} is already running`);
    const child = this.#start(
      `api-${i + 1}`,
      'api-server/src/main.ts',
      this.#apiEnv[i] as Record<string, string>,
    );
    this.#apis[i] = child;
    return child.waitForHttp(`${this.apiUrls[i]}/health/ready`, READY_TIMEOUT_MS);
  }

  #start(name: string, entry: string, env: Record<string, string>): TestProcess {
    const child = startNodeProcess(entry, { name, env });
    this.#children.push(child);
    return child;
  }

  async startGateway(): Promise<void> {
    const gateway = this.#start('gateway', 'gateway/src/main.ts', this.#gatewayEnv);
    this.#gateway = gateway;
    await gateway.waitForHttp(`${this.gatewayUrl}/health`, READY_TIMEOUT_MS);
  }

  /** Why api-server #i is not running: how it exited and its last output. */
  async #notRunning(i: number): Promise<Error> {
    const child = this.#apis[i];
    if (!child) return new Error(`api-${i + 1} was never started`);
    const { code, signal } = await child.exited;
    return new Error(
      `api-${i + 1} is not running (exited ${signal ?? `with ${code}`}):\n${child.output().slice(-4000)}`,
    );
  }

  /** Sends `signal` to api-server #i (only ever a process this stack started). */
  signalApi(i: number, signal: NodeJS.Signals): void {
    const child = this.api(i);
    if (!child)
      throw new Error(`api-${i + 1} is not running:\n${this.#apis[i]?.output().slice(-4000) ?? ''}`);
    process.kill(child.pid, signal);
    if (signal === 'SIGSTOP') this.#stopped.add(i);
    if (signal === 'SIGCONT') this.#stopped.delete(i);
  }

  /** kill -9 api-server #i and waits until it is gone. */
  async killApi(i: number): Promise<void> {
    const child = this.api(i);
    if (!child) return;
    this.#stopped.delete(i);
    await child.kill();
  }

  /** SIGTERM api-server #i; resolves with its exit and how long it took. */
  async terminateApi(i: number): Promise<{ code: number | null; signal: string | null; ms: number }> {
    const child = this.api(i);
    if (!child) throw await this.#notRunning(i);
    const started = performance.now();
    process.kill(child.pid, 'SIGTERM');
    const { code, signal } = await child.exited;
    return { code, signal, ms: performance.now() - started };
  }

  /** An authenticated call to the balancer's admin API; resolves with status and JSON body. */
  async lbAdmin<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.lbUrl}/lb/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.lbAdminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const answer = await res.json();
    assertConformsToOpenApi(method, `${this.lbUrl}/lb/admin${path}`, res.status, answer);
    return { status: res.status, body: answer as T };
  }

  async backends(): Promise<BackendView[]> {
    const { body } = await this.lbAdmin('GET', '/backends');
    return BackendPage.parse(body).data;
  }

  /** Polls the balancer until `done(backends)`; resolves with performance.now() at that poll. */
  async waitForBackends(
    done: (backends: BackendView[]) => boolean,
    timeoutMs: number,
    what = 'the expected backend state',
  ): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let last: BackendView[] = [];
    for (;;) {
      last = await this.backends();
      const now = performance.now();
      if (done(last)) return now;
      if (now > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(last)}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Records every change of the backends' health, breaker, availability and drain flags until stopped. */
  watch(): BackendWatcher {
    return new BackendWatcher(this);
  }

  /** `floodgate_retries_total` by reason, plus `budget-exhausted` (refused retries), from the balancer's /metrics. */
  async retries(): Promise<Record<string, number>> {
    const text = await (await fetch(`${this.lbUrl}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^floodgate_retr(?:ies|y_budget_exhausted)_total(?:\{(.*)\})? (\d+)/gm)) {
      const reason = /reason="([^"]+)"/.exec(m[1] ?? '')?.[1] ?? 'budget-exhausted';
      out[reason] = (out[reason] ?? 0) + Number(m[2]);
    }
    return out;
  }

  /** Passing health checks of backend `id` so far (`floodgate_health_checks_total`), from the balancer's /metrics. */
  async passedChecks(id: string): Promise<number> {
    const text = await (await fetch(`${this.lbUrl}/metrics`)).text();
    for (const m of text.matchAll(/^floodgate_health_checks_total\{(.*)\} (\d+)/gm)) {
      const labels = m[1] ?? '';
      if (labels.includes(`backend="${id}"`) && labels.includes('result="pass"')) return Number(m[2]);
    }
    return 0;
  }

  /**
   * Back to three healthy, available api-servers with closed breakers and nothing else in the pool:
   * resumes stopped ones, restarts exited ones, removes added backends, ends drains, resets breakers.
   */
  async reset(): Promise<void> {
    for (const i of [...this.#stopped]) this.signalApi(i, 'SIGCONT');
    await Promise.all(this.#apis.map((_, i) => (this.api(i) ? undefined : this.startApi(i))));
    for (const b of await this.backends()) {
      if (!this.apiUrls.includes(b.url)) await this.lbAdmin('DELETE', `/backends/${b.id}`);
      else {
        if (b.draining) await this.lbAdmin('POST', `/backends/${b.id}/enable`);
        if (b.circuitState !== 'closed') await this.lbAdmin('POST', `/circuit-breakers/${b.id}/reset`);
      }
    }
    await this.waitForBackends(
      (bs) =>
        bs.length === this.apiUrls.length && bs.every((b) => b.available && b.circuitState === 'closed'),
      30_000,
      'every api-server available',
    );
  }

  async close(): Promise<void> {
    this.#stopped.clear();
    await Promise.all(this.#children.map((c) => c.stop(6000)));
    await this.db.drop().catch(() => {});
    await deleteRedisPrefix(this.redisPrefix).catch(() => {});
  }
}

/** Polls the balancer every few ms and keeps each state change with its time. */
export class BackendWatcher {
  readonly changes: BackendChange[] = [];
  readonly #stack: FaultStack;
  readonly #last = new Map<string, BackendView>();
  #running = true;
  readonly #loop: Promise<void>;

  constructor(stack: FaultStack) {
    this.#stack = stack;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const backends = await this.#stack.backends().catch(() => null);
      const at = performance.now();
      for (const b of backends ?? []) {
        const prev = this.#last.get(b.id);
        for (const field of ['healthy', 'circuitState', 'available', 'draining'] as const) {
          if (prev === undefined || prev[field] !== b[field]) {
            this.changes.push({ at, id: b.id, field, value: b[field] });
          }
        }
        this.#last.set(b.id, b);
      }
      await sleep(POLL_MS);
    }
  }

  /** The first time at or after `from` when `id`'s `field` was seen equal to `value`. */
  firstAt(id: string, field: BackendChange['field'], value: boolean | string, from = 0): number | undefined {
    return this.changes.find((c) => c.id === id && c.field === field && c.value === value && c.at >= from)
      ?.at;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}

/**
 * Only what a component needs: nothing inherited from the caller's shell (PORT, DATABASE_URL...)
 * can point the stack anywhere but 127.0.0.1.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
