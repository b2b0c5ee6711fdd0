import { z } from 'zod';
import { BackendId } from './backends.js';
import { Count, dataOf } from './envelope.js';

/** Keys and key prefixes the cache admin API accepts (`resource:42`, `list:`). */
export const CACHE_KEY_PATTERN = /^[A-Za-z0-9:._-]{1,200}$/;
const CacheKey = z.string().regex(CACHE_KEY_PATTERN, 'letters, digits and : . _ - (1-200)');

/** What to clear: everything (`{}`), one key, or every key with a prefix. */
export const CacheScope = z
  .strictObject({
    key: CacheKey.optional().meta({ description: 'One key, e.g. resource:42' }),
    prefix: CacheKey.optional().meta({ description: 'Every key starting with this, e.g. list:' }),
  })
  .refine((v) => v.key === undefined || v.prefix === undefined, { message: 'give key or prefix, not both' })
  .meta({ id: 'CacheScope' });
export type CacheScope = z.output<typeof CacheScope>;

const Level1 = z.object({
  entries: Count,
  bytes: Count,
  hits: Count,
  misses: Count,
  bypasses: Count,
  evictions: Count,
});
const Level2 = z.object({ hits: Count, misses: Count, bypasses: Count, errors: Count });
const Counters = {
  loads: z.object({ ok: Count, error: Count }).meta({ description: 'PostgreSQL loads on a miss.' }),
  coalesced: Count.meta({ description: 'Misses that joined a load already under way.' }),
  staleServed: Count,
  lockWaits: z.object({ l2Hit: Count, acquired: Count, timeout: Count }),
  invalidations: z.object({ local: Count, remote: Count }),
  writeWaits: z
    .object({ acked: Count, leaseExpired: Count, fallback: Count, none: Count })
    .meta({ description: 'How writes waited for every instance to drop the old value.' }),
};

/** One api-server's cache (`GET /internal/cache`). */
export const CacheInstanceStats = z
  .object({
    instanceId: z.string(),
    enabled: z.boolean(),
    coherence: z.object({
      bus: z.enum(['connecting', 'up', 'down', 'unsupported']),
      session: Count,
      leaseValid: z.boolean().meta({ description: 'False: this instance bypasses its caches.' }),
      leaseRemainingMs: Count,
      members: Count.meta({ description: 'Other instances heard on the bus.' }),
      pendingWrites: Count,
    }),
    l1: Level1.extend({ maxEntries: Count, maxBytes: Count }),
    l2: Level2.extend({
      configured: z.boolean(),
      available: z.boolean(),
      connection: z
        .string()
        .meta({ description: "The Redis client's state, e.g. ready, reconnecting, none." }),
      trusted: z.boolean(),
    }),
    ...Counters,
  })
  .meta({ id: 'CacheInstanceStats' });
export type CacheInstanceStats = z.infer<typeof CacheInstanceStats>;

/** What a clear did on one instance. */
export const CacheCleared = z
  .object({
    l1Entries: Count.meta({ description: 'L1 entries dropped on this instance.' }),
    l2: z.discriminatedUnion('result', [
      z.object({ result: z.literal('none') }).meta({ description: 'No L2 configured.' }),
      z.object({ result: z.literal('deleted'), deleted: Count }),
      z
        .object({ result: z.literal('new_namespace'), namespace: Count })
        .meta({ description: 'Everything: L2 moved to a new key namespace; old entries expire.' }),
      z.object({ result: z.literal('unavailable'), error: z.string() }),
    ]),
  })
  .meta({ id: 'CacheCleared' });
export type CacheCleared = z.infer<typeof CacheCleared>;

/** `POST /internal/cache/clear` on one api-server. */
export const CacheClearResult = z
  .object({ instanceId: z.string(), scope: CacheScope, cleared: CacheCleared })
  .meta({ id: 'CacheClearResult' });
export type CacheClearResult = z.infer<typeof CacheClearResult>;

/** How an api-server answered the gateway's fan-out (or why it did not). */
const InstanceOutcome = {
  id: BackendId.meta({ description: "The balancer's id for this api-server." }),
  url: z.string(),
  ok: z.boolean(),
  status: z.int().nullable().meta({ description: 'HTTP status; null when there was no answer.' }),
  error: z.string().nullable(),
};

/** `?prefix=P` of `DELETE /api/v1/admin/cache/keys`. */
export const CachePrefixQuery = z.strictObject({ prefix: CacheKey.meta({ description: 'e.g. list:' }) });

/** Hit ratios of all lookups (null before the first). */
export const CacheHitRatio = z.object({
  l1: z.number().min(0).max(1).nullable(),
  l2: z.number().min(0).max(1).nullable(),
  combined: z.number().min(0).max(1).nullable(),
});
export type CacheHitRatio = z.infer<typeof CacheHitRatio>;

/** `GET /api/v1/admin/cache`: every api-server's cache, summed and one by one. */
export const CacheOverview = z
  .object({
    ok: z.boolean().meta({ description: 'Every api-server answered.' }),
    totals: z.object({ l1: Level1, l2: Level2, ...Counters }),
    hitRatio: CacheHitRatio,
    instances: z.array(z.object({ ...InstanceOutcome, stats: CacheInstanceStats.nullable() })),
  })
  .meta({ id: 'CacheOverview' });
export type CacheOverview = z.infer<typeof CacheOverview>;

/** `POST /api/v1/admin/cache/clear` and `DELETE /api/v1/admin/cache/keys...`: the clear on every api-server. */
export const CacheClearOverview = z
  .object({
    ok: z.boolean().meta({ description: 'Every api-server cleared.' }),
    scope: CacheScope,
    instances: z.array(z.object({ ...InstanceOutcome, cleared: CacheCleared.nullable() })),
  })
  .meta({ id: 'CacheClearOverview' });
export type CacheClearOverview = z.infer<typeof CacheClearOverview>;

export const CacheInstanceStatsAnswer = dataOf(CacheInstanceStats, 'CacheInstanceStatsAnswer');
export type CacheInstanceStatsAnswer = z.infer<typeof CacheInstanceStatsAnswer>;
export const CacheClearResultAnswer = dataOf(CacheClearResult, 'CacheClearResultAnswer');
export type CacheClearResultAnswer = z.infer<typeof CacheClearResultAnswer>;
export const CacheOverviewAnswer = dataOf(CacheOverview, 'CacheOverviewAnswer');
export type CacheOverviewAnswer = z.infer<typeof CacheOverviewAnswer>;
export const CacheClearOverviewAnswer = dataOf(CacheClearOverview, 'CacheClearOverviewAnswer');
export type CacheClearOverviewAnswer = z.infer<typeof CacheClearOverviewAnswer>;
