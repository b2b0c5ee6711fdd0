import { Pool } from 'undici';

/** One request the generator sends. */
export interface LoadRequest {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  path: string;
  body?: unknown;
  /** Free-form label kept in the result (e.g. the ledger name of a POST). */
  tag?: string;
}

/** What happened to one request. */
export interface LoadResult {
  method: string;
  path: string;
  tag: string | undefined;
  /** HTTP status, or 0 when no response arrived (connection error, timeout). */
  status: number;
  /** The error envelope's code, or the transport error's code. */
  code: string | undefined;
  /** `x-backend-id` of the answer, when the balancer set it. */
  backend: string | undefined;
  /** Milliseconds since the generator started. */
  startedMs: number;
  latencyMs: number;
}

export interface LoadOptions {
  baseUrl: string;
  /** Requests started per second (open loop: a slow answer does not slow the rate). */
  rps: number;
  /** The i-th request. */
  next: (i: number) => LoadRequest;
  headers?: Record<string, string>;
  /** Requests in flight at once; beyond it a tick's requests are counted as `skipped`. @default 512 */
  maxInFlight?: number;
  /** Per request, to response end. @default 20000 */
  timeoutMs?: number;
}

export interface LoadReport {
  results: LoadResult[];
  /** Requests not started because maxInFlight was reached (the system under test was too slow). */
  skipped: number;
  durationMs: number;
}

const TICK_MS = 10;

/**
 * Steady open-loop load at `rps` over a keep-alive pool until `stop()`, recording every outcome.
 * Bounded: at most `maxInFlight` requests at once and each one at most `timeoutMs`.
 */
export class LoadGenerator {
  readonly #options: LoadOptions;
  readonly #pool: Pool;
  readonly #results: LoadResult[] = [];
  readonly #pending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  #startedAt = 0;
  #sent = 0;
  #skipped = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#pool = new Pool(options.baseUrl, { connections: 256, pipelining: 1 });
  }

  /** Milliseconds since start (the results' time base). */
  now(): number {
    return performance.now() - this.#startedAt;
  }

  /** performance.now() when the generator started (0 of the results' time base). */
  get startedAt(): number {
    return this.#startedAt;
  }

  get results(): readonly LoadResult[] {
    return this.#results;
  }

  start(): this {
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref(); // a test that fails before stop() must not keep the process alive
    return this;
  }

  get running(): boolean {
    return this.#timer !== null;
  }

  /** Stops sending, waits for the requests in flight, closes the pool. */
  async stop(): Promise<LoadReport> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const durationMs = this.now();
    await Promise.all(this.#pending);
    await this.#pool.close();
    return { results: this.#results, skipped: this.#skipped, durationMs };
  }

  #tick(): void {
    const due = Math.floor((this.now() / 1000) * this.#options.rps);
    const max = this.#options.maxInFlight ?? 512;
    while (this.#sent < due) {
      const i = this.#sent++;
      if (this.#pending.size >= max) {
        this.#skipped++;
        continue;
      }
      const p = this.#send(i);
      this.#pending.add(p);
      void p.finally(() => this.#pending.delete(p));
    }
  }

  async #send(i: number): Promise<void> {
    const r = this.#options.next(i);
    const startedMs = this.now();
    const headers: Record<string, string> = { ...this.#options.headers };
    let body: string | undefined;
    if (r.body !== undefined) {
      body = JSON.stringify(r.body);
      headers['content-type'] = 'application/json';
    }
    const result: LoadResult = {
      method: r.method,
      path: r.path,
      tag: r.tag,
      status: 0,
      code: undefined,
      backend: undefined,
      startedMs,
      latencyMs: 0,
    };
    try {
      const res = await this.#pool.request({
        method: r.method,
        path: r.path,
        headers,
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 20_000),
      });
      result.status = res.statusCode;
      const backend = res.headers['x-backend-id'];
      result.backend = typeof backend === 'string' ? backend : undefined;
      const text = await res.body.text();
      if (res.statusCode >= 400 && text.startsWith('{')) {
        try {
          result.code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          // not an envelope
        }
      }
    } catch (err) {
      const e = err as { code?: string; name?: string };
      result.code = e.code ?? e.name ?? 'ERROR';
    }
    result.latencyMs = this.now() - startedMs;
    this.#results.push(result);
  }
}

/** Counts per "METHOD status[ code]" for failure messages, e.g. `{"GET 502 BAD_GATEWAY": 3}`. */
export function summarize(results: readonly LoadResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = `${r.method} ${r.status}${r.code ? ` ${r.code}` : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
