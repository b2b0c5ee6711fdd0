import {
  FloodgateError,
  parseQuery,
  parseWith,
  REQUEST_ID_HEADER,
  readBodyWith,
  sendJson,
} from '@floodgate/shared';
import {
  type CacheCleared,
  type CacheClearOverviewAnswer,
  CacheClearResultAnswer,
  type CacheHitRatio,
  type CacheInstanceStats,
  CacheInstanceStatsAnswer,
  type CacheOverview,
  type CacheOverviewAnswer,
  CachePrefixQuery,
  CacheScope,
} from '@floodgate/shared/admin-api';
import { request } from 'undici';
import type { RequestContext } from '../pipeline/request-context.js';
import type { AdminRoute } from './admin-stage.js';
import { fetchBalancerStatus } from './balancer-status.js';

export interface CacheAdminDeps {
  /** The pool to the load balancer, whose `/lb/status` lists the api-servers. */
  upstream: Parameters<typeof fetchBalancerStatus>[0];
  basePath: string;
  /** Sent as `Authorization: Bearer` to the api-servers' /internal/* (INTERNAL_TOKEN); null: none. */
  internalToken: string | null;
  /** Per api-server call. @default 2000 */
  timeoutMs?: number;
}

/** How one api-server answered (or why it did not), with its parsed `data`. */
interface InstanceResult<T> {
  id: string;
  url: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  data: T | null;
}

const CLEAR_BODY_LIMIT_BYTES = 4096;

/**
 * The cache admin API (admin role; never proxied). The api-servers are the load balancer's
 * backends, each asked directly on its internal endpoints. Wire shapes: `@floodgate/shared/admin-api`.
 * - `GET /api/v1/admin/cache` → `{data: CacheOverview}`: stats summed, hit ratios, every instance.
 * - `POST /api/v1/admin/cache/clear` `{}` | `{"key"}` | `{"prefix"}` → `{data: CacheClearOverview}`.
 * - `DELETE /api/v1/admin/cache/keys/:key`, `DELETE /api/v1/admin/cache/keys?prefix=P`: the same clear.
 * An instance that cannot be reached, or answers another shape, is reported (`ok: false`), not
 * hidden; `ok` at the top is true only when every instance answered.
 */
export function createCacheAdminRoutes(deps: CacheAdminDeps): AdminRoute[] {
  const timeoutMs = deps.timeoutMs ?? 2000;

  async function fanOut<T>(
    ctx: RequestContext,
    call: { method: 'GET' | 'POST'; path: string; body?: unknown },
    /** The shared `…Answer` schema of the instance endpoint. */
    answer: { safeParse(v: unknown): { success: true; data: { data: T } } | { success: false } },
  ): Promise<InstanceResult<T>[]> {
    const lb = await fetchBalancerStatus(deps.upstream, deps.basePath, ctx.requestId);
    if (lb.status === null) {
      throw new FloodgateError('BAD_GATEWAY', `Cannot list the api-servers: load balancer ${lb.error}`);
    }
    const headers: Record<string, string> = {
      [REQUEST_ID_HEADER]: ctx.requestId,
      accept: 'application/json',
    };
    if (deps.internalToken !== null) headers.authorization = `Bearer ${deps.internalToken}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    return Promise.all(
      lb.status.backends.map(async ({ id, url }): Promise<InstanceResult<T>> => {
        const failed = (status: number | null, error: string) => ({
          id,
          url,
          ok: false,
          status,
          error,
          data: null,
        });
        try {
          const res = await request(`${url}${call.path}`, {
            method: call.method,
            headers,
            body: payload,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          });
          const text = await res.body.text();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return failed(res.statusCode, `not JSON: ${text.slice(0, 200)}`);
          }
          if (res.statusCode !== 200) {
            const message = (json as { error?: { message?: unknown } } | null)?.error?.message;
            return failed(res.statusCode, String(message ?? text.slice(0, 200)));
          }
          const parsed = answer.safeParse(json);
          if (!parsed.success) return failed(200, `unexpected answer from ${call.path}`);
          return { id, url, ok: true, status: 200, error: null, data: parsed.data.data };
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          return failed(null, typeof code === 'string' ? code : (err as Error).message);
        }
      }),
    );
  }

  async function clear(ctx: RequestContext, scope: CacheScope): Promise<void> {
    const results = await fanOut(
      ctx,
      { method: 'POST', path: '/internal/cache/clear', body: scope },
      CacheClearResultAnswer,
    );
    const body: CacheClearOverviewAnswer = {
      data: {
        ok: results.length > 0 && results.every((i) => i.ok),
        scope,
        instances: results.map(({ data, ...outcome }) => ({
          ...outcome,
          cleared: data === null ? null : (data.cleared satisfies CacheCleared),
        })),
      },
    };
    sendJson(ctx.res, 200, body);
  }

  return [
    {
      method: 'GET',
      path: '/api/v1/admin/cache',
      async handler(ctx) {
        const results = await fanOut(
          ctx,
          { method: 'GET', path: '/internal/cache' },
          CacheInstanceStatsAnswer,
        );
        const answered = results.flatMap((i) => (i.data === null ? [] : [i.data]));
        const totals = sumStats(answered);
        const body: CacheOverviewAnswer = {
          data: {
            ok: results.length > 0 && answered.length === results.length,
            totals,
            hitRatio: hitRatios(totals),
            instances: results.map(({ data, ...outcome }) => ({ ...outcome, stats: data })),
          },
        };
        sendJson(ctx.res, 200, body);
      },
    },
    {
      method: 'POST',
      path: '/api/v1/admin/cache/clear',
      async handler(ctx) {
        await clear(ctx, await readBodyWith(ctx.req, CacheScope, CLEAR_BODY_LIMIT_BYTES));
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/admin/cache/keys/:key',
      handler: (ctx) => clear(ctx, parseWith(CacheScope, { key: decodeKeyParam(ctx.path) }, 'path')),
    },
    {
      method: 'DELETE',
      path: '/api/v1/admin/cache/keys',
      handler(ctx) {
        const q = ctx.target.indexOf('?');
        const { prefix } = parseQuery(
          CachePrefixQuery,
          new URLSearchParams(q === -1 ? '' : ctx.target.slice(q + 1)),
        );
        return clear(ctx, { prefix });
      },
    },
  ];
}

function decodeKeyParam(path: string): string {
  const raw = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Every instance's counters added up (sizes of limits and connection state stay per instance). */
export function sumStats(all: readonly CacheInstanceStats[]): CacheOverview['totals'] {
  const t: CacheOverview['totals'] = {
    l1: { entries: 0, bytes: 0, hits: 0, misses: 0, bypasses: 0, evictions: 0 },
    l2: { hits: 0, misses: 0, bypasses: 0, errors: 0 },
    loads: { ok: 0, error: 0 },
    coalesced: 0,
    staleServed: 0,
    lockWaits: { l2Hit: 0, acquired: 0, timeout: 0 },
    invalidations: { local: 0, remote: 0 },
    writeWaits: { acked: 0, leaseExpired: 0, fallback: 0, none: 0 },
  };
  for (const s of all) {
    addCounts(t.l1, s.l1);
    addCounts(t.l2, s.l2);
    addCounts(t.loads, s.loads);
    addCounts(t.lockWaits, s.lockWaits);
    addCounts(t.invalidations, s.invalidations);
    addCounts(t.writeWaits, s.writeWaits);
    t.coalesced += s.coalesced;
    t.staleServed += s.staleServed;
  }
  return t;
}

/** Adds the counts of `from` to every key of `into`. */
function addCounts<T extends Record<string, number>>(into: T, from: NoInfer<T>): void {
  for (const k in into) (into[k] as number) += from[k] as number;
}

/** Share of lookups answered by L1, by L2 (of all lookups), and by either. */
function hitRatios(t: CacheOverview['totals']): CacheHitRatio {
  const lookups = t.l1.hits + t.l1.misses + t.l1.bypasses;
  if (lookups === 0) return { l1: null, l2: null, combined: null };
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const l1 = t.l1.hits / lookups;
  const l2 = t.l2.hits / lookups;
  return { l1: round(l1), l2: round(l2), combined: round(l1 + l2) };
}
