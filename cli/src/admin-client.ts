import { type ErrorCode, ErrorCodes, FloodgateError } from '@floodgate/shared';
import { DashboardAnswer } from '@floodgate/shared/admin-api';
import type { z } from 'zod';

export interface AdminClientOptions {
  /** Gateway base URL, e.g. http://localhost:8080. */
  baseUrl: string;
  /** Admin session token (Bearer); required for /api/v1/admin/*. */
  token?: string;
  /** Per request. @default 5000 */
  timeoutMs?: number;
}

/** What an endpoint answered, whatever the status. */
export interface HttpAnswer<T = unknown> {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: T;
}

export type HealthResult =
  | { reachable: true; healthy: boolean; status: number; body: unknown }
  | { reachable: false; healthy: false; reason: string };

/**
 * HTTP client for the gateway's health and admin API, shared by the CLI commands. `health()`
 * reports an unreachable gateway as a value; admin calls throw FloodgateError: the code from the
 * server's error envelope, BAD_GATEWAY when the gateway cannot be reached, UPSTREAM_TIMEOUT on timeout.
 */
export class AdminClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: AdminClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new FloodgateError('VALIDATION_FAILED', `not a URL: ${JSON.stringify(options.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FloodgateError('VALIDATION_FAILED', `URL must be http(s): ${options.baseUrl}`);
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.#token = options.token || undefined;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** GET /health: healthy when it answers 2xx. */
  async health(): Promise<HealthResult> {
    try {
      const answer = await this.#send('GET', '/health', undefined, false);
      return {
        reachable: true,
        healthy: answer.status >= 200 && answer.status < 300,
        status: answer.status,
        body: answer.body,
      };
    } catch (err) {
      return { reachable: false, healthy: false, reason: (err as Error).message };
    }
  }

  /** GET /api/v1/admin/dashboard: the summary, including the balancer's backends. */
  async dashboard(): Promise<DashboardAnswer['data']> {
    return (await this.call('GET', '/api/v1/admin/dashboard', DashboardAnswer)).data;
  }

  /**
   * An authenticated admin call whose 2xx answer is parsed with `schema` (the shared wire
   * contract): an answer of another shape is BAD_GATEWAY naming the first field that differs.
   */
  async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.output<S>> {
    const answer = await this.request(method, path, body);
    const parsed = schema.safeParse(answer);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'the body';
    throw new FloodgateError(
      'BAD_GATEWAY',
      `${method} ${path.split('?')[0]} answered an unexpected shape (${where}: ${issue?.message}); is the gateway another version?`,
    );
  }

  /** An authenticated admin call; resolves with the JSON body of a 2xx answer. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.#send(method, path, body, true);
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw toError(answer);
  }

  async #send(method: string, path: string, body: unknown, auth: boolean): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth && this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') {
        throw new FloodgateError(
          'UPSTREAM_TIMEOUT',
          `${this.baseUrl} did not answer within ${this.#timeoutMs} ms`,
        );
      }
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new FloodgateError('BAD_GATEWAY', `cannot reach ${this.baseUrl}: ${why}`, { cause: err });
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
    }
    return { status: res.status, body: parsed };
  }
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
  504: 'UPSTREAM_TIMEOUT',
};

function toError(answer: HttpAnswer): FloodgateError {
  const envelope = (answer.body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } })
    ?.error;
  const serverCode = typeof envelope?.code === 'string' ? envelope.code : undefined;
  const code: ErrorCode =
    serverCode && serverCode in ErrorCodes
      ? (serverCode as ErrorCode)
      : (STATUS_CODES[answer.status] ?? (answer.status >= 500 ? 'BAD_GATEWAY' : 'BAD_REQUEST'));
  const message = typeof envelope?.message === 'string' ? envelope.message : `HTTP ${answer.status}`;
  return new FloodgateError(code, message, {
    details: {
      status: answer.status,
      ...(typeof envelope?.requestId === 'string' ? { requestId: envelope.requestId } : {}),
    },
  });
}
