import { FloodgateError, REQUEST_ID_HEADER, readJsonBody, sendJson } from '@floodgate/shared';
import { type Dispatcher, request } from 'undici';
import type { RequestContext } from '../pipeline/request-context.js';
import type { AdminRoute } from './admin-stage.js';
import { fetchBalancerStatus } from './balancer-status.js';

export interface CacheAdminDeps {
  /** The pool to the load balancer, whose `/lb/status` lists the api-servers. */
  upstream: Pick<Dispatcher, 'request'>;
  basePath: string;
  /** Sent as `Authorization: Bearer` to the api-servers' /internal/* (INTERNAL_TOKEN); null: none. */
  internalToken: string | null;
  /** Per api-server call. @default 2000 */
  timeoutMs?: number;
}

/** One api-server's answer (or why there is none). */
export interface InstanceResult {
  id: string;
  url: string;
  ok: boolean;
  status?: number;
  error?: string;
  body?: Record<string, unknown>;
}

const KEY = /^[A-Za-z0-9:._-]{1,200}$/;
const CLEAR_BODY_LIMIT = 4096;

/**
 * The cache admin API (admin role; never proxied). The api-servers are the load balancer's
 * backends, each asked directly on its internal endpoints:
 * - `GET /api/v1/admin/cache`: stats summed over all instances, hit ratios, and per-instance detail.
 * - `POST /api/v1/admin/cache/clear` `{}` | `{"key"}` | `{"prefix"}`: clears on every instance.
 * - `DELETE /api/v1/admin/cache/keys/:key`, `DELETE /api/v1/admin/cache/keys?prefix=P`.
 * An instance that cannot be reached is reported (`ok: false`), not hidden; `ok` is true only when
 * every instance answered.
 */
export function createCacheAdminRoutes(deps: CacheAdminDeps): AdminRoute[] {
  const timeoutMs = deps.timeoutMs ?? 2000;

  async function fanOut(
    ctx: RequestContext,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<InstanceResult[]> {
    const lb = await fetchBalancerStatus(deps.upstream, deps.basePath, ctx.requestId);
    const backends = (lb.status as { backends?: { id?: unknown; url?: unknown }[] } | null)?.backends;
    if (!lb.reachable || !Array.isArray(backends)) {
      throw new FloodgateError(
        'BAD_GATEWAY',
        `Cannot list the api-servers: load balancer ${lb.error ?? 'answered without backends'}`,
      );
    }
    const headers: Record<string, string> = {
      [REQUEST_ID_HEADER]: ctx.requestId,
      accept: 'application/json',
    };
    if (deps.internalToken !== null) headers.authorization = `Bearer ${deps.internalToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return Promise.all(
      backends.map(async (b): Promise<InstanceResult> => {
        const id = String(b.id ?? b.url);
        const url = String(b.url ?? '');
        try {
          const res = await request(`${url}${path}`, {
            method,
            headers,
            body: payload,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          });
          const text = await res.body.text();
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = undefined;
          }
          if (res.statusCode !== 200) {
            const error = (parsed?.error as { message?: unknown } | undefined)?.message;
            return { id, url, ok: false, status: res.statusCode, error: String(error ?? text.slice(0, 200)) };
          }
          return { id, url, ok: true, status: 200, body: parsed };
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          return { id, url, ok: false, error: typeof code === 'string' ? code : (err as Error).message };
        }
      }),
    );
  }

  async function clear(ctx: RequestContext, scope: { key?: string; prefix?: string }): Promise<void> {
    const instances = await fanOut(ctx, 'POST', '/internal/cache/clear', scope);
    sendJson(ctx.res, 200, {
      ok: instances.length > 0 && instances.every((i) => i.ok),
      scope,
      instances: instances.map(({ body, ...rest }) => ({ ...rest, cleared: body?.cleared })),
    });
  }

  return [
    {
      method: 'GET',
      path: '/api/v1/admin/cache',
      async handler(ctx) {
        const instances = await fanOut(ctx, 'GET', '/internal/cache');
        const ok = instances.filter((i) => i.ok);
        const totals = sumStats(ok.map((i) => i.body ?? {}));
        sendJson(ctx.res, 200, {
          ok: instances.length > 0 && ok.length === instances.length,
          instances: { total: instances.length, reachable: ok.length },
          totals,
          hitRatio: hitRatios(totals),
          perInstance: instances.map(({ body, ...rest }) => ({ ...rest, stats: body })),
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/admin/cache/clear',
      async handler(ctx) {
        const raw = ((await readJsonBody(ctx.req, CLEAR_BODY_LIMIT)) ?? {}) as Record<string, unknown>;
        await clear(ctx, parseScope(raw));
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/admin/cache/keys/:key',
      handler: (ctx) => clear(ctx, parseScope({ key: decodeKeyParam(ctx.path) })),
    },
    {
      method: 'DELETE',
      path: '/api/v1/admin/cache/keys',
      handler(ctx) {
        const q = ctx.target.indexOf('?');
        const prefix = new URLSearchParams(q === -1 ? '' : ctx.target.slice(q + 1)).get('prefix');
        if (prefix === null) throw invalid('prefix', 'give ?prefix=P (or DELETE .../keys/:key)');
        return clear(ctx, parseScope({ prefix }));
      },
    },
  ];
}

/** `{}`, `{key}` or `{prefix}` with valid values; else VALIDATION_FAILED naming the field. */
function parseScope(raw: Record<string, unknown>): { key?: string; prefix?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('', 'must be an object');
  for (const name of Object.keys(raw)) {
    if (name !== 'key' && name !== 'prefix') throw invalid(name, 'unknown field');
  }
  if (raw.key !== undefined && raw.prefix !== undefined) throw invalid('key', 'give key or prefix, not both');
  for (const name of ['key', 'prefix'] as const) {
    const v = raw[name];
    if (v !== undefined && (typeof v !== 'string' || !KEY.test(v))) {
      throw invalid(name, 'letters, digits and : . _ - (1-200)');
    }
  }
  return raw as { key?: string; prefix?: string };
}

function decodeKeyParam(path: string): string {
  const raw = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function invalid(path: string, message: string): FloodgateError {
  return new FloodgateError(
    'VALIDATION_FAILED',
    `Invalid cache scope: ${path ? `${path}: ` : ''}${message}`,
    {
      details: { issues: [{ path, message }] },
    },
  );
}

type Tree = { [key: string]: number | Tree };

/** Sums every numeric leaf across the instances' stats (booleans and strings are per instance). */
export function sumStats(all: readonly Record<string, unknown>[]): Tree {
  const out: Tree = {};
  const add = (into: Tree, from: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(from)) {
      if (typeof v === 'number') into[k] = ((into[k] as number | undefined) ?? 0) + v;
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const existing = into[k];
        const child: Tree = typeof existing === 'object' ? existing : {};
        into[k] = child;
        add(child, v as Record<string, unknown>);
      }
    }
  };
  for (const s of all) add(out, s);
  return out;
}

/** Share of lookups answered by L1, by L2 (of all lookups), and by either. */
function hitRatios(t: Tree): { l1: number | null; l2: number | null; combined: number | null } {
  const n = (path: string[]) => {
    let v: number | Tree | undefined = t;
    for (const p of path) v = typeof v === 'object' ? v[p] : undefined;
    return typeof v === 'number' ? v : 0;
  };
  const lookups = n(['l1', 'hits']) + n(['l1', 'misses']) + n(['l1', 'bypasses']);
  if (lookups === 0) return { l1: null, l2: null, combined: null };
  const l1 = n(['l1', 'hits']) / lookups;
  const l2 = n(['l2', 'hits']) / lookups;
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return { l1: round(l1), l2: round(l2), combined: round(l1 + l2) };
}
