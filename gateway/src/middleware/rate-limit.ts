import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FloodgateError, type TierName } from '@floodgate/shared';
import { anonymousSubject, type ClientIpResolver } from '../auth/client-ip.js';
import { tierOf } from '../auth/identity.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage, type StageResult } from '../pipeline/stage.js';
import type { Limiter } from '../rate-limit/limiter.js';
import type { RateLimitPolicies, RoutePolicy } from '../rate-limit/rate-limit-policies.js';
import type { RateLimitPolicy } from '../rate-limit/rate-limit-policy.js';
import type { RateLimitDecision } from '../rate-limit/rate-limit-store.js';
import type { UsageTracker } from '../rate-limit/usage-tracker.js';

export interface RateLimitStageDeps {
  limiter: Pick<Limiter, 'consume'>;
  policies: RateLimitPolicies;
  clientIp: ClientIpResolver;
  usage?: UsageTracker;
  /** Largest body a route policy keyed by email reads (BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

/**
 * Applies the caller's tier limit, and first any route policy for the method + path (e.g. login
 * 5/min per client IP + email). The limit key is the identity's subject (`c:<consumer>`,
 * `u:<user>`, or the client IP / IPv6 /64 for anonymous callers) under the policy's name. Every
 * limited response carries RateLimit-Policy / RateLimit (IETF draft; the policy name is the tier)
 * and X-RateLimit-Limit / -Remaining / -Reset (seconds); a refusal is 429 RATE_LIMITED with
 * Retry-After. Decisions made without Redis add `RateLimit-Degraded: true`.
 */
export function createRateLimitStage(deps: RateLimitStageDeps): Stage {
  const { limiter, clientIp, usage, bodyLimitBytes } = deps;
  const tiers = deps.policies.tiers;
  const routesByPath = new Map<string, RoutePolicy[]>();
  for (const r of deps.policies.routes) {
    const list = routesByPath.get(r.path) ?? [];
    list.push(r);
    routesByPath.set(r.path, list);
  }

  const subjectOf = (ctx: RequestContext): string => {
    const identity = ctx.identity;
    if (identity.kind !== 'anonymous') return identity.subject;
    if (ctx.clientIp === '') ctx.clientIp = clientIp.resolve(ctx.req);
    return anonymousSubject(ctx.clientIp);
  };

  function limitTier(ctx: RequestContext): StageResult {
    const policy = tiers[tierOf(ctx.identity) as TierName];
    const key = `${policy.name}:${subjectOf(ctx)}`;
    const d = limiter.consume(key, policy);
    if (d instanceof Promise) return settleTier(ctx, policy, key, d);
    return answerTier(ctx, policy, key, d);
  }

  async function settleTier(
    ctx: RequestContext,
    policy: RateLimitPolicy,
    key: string,
    pending: Promise<RateLimitDecision>,
  ): Promise<boolean> {
    return answerTier(ctx, policy, key, await pending);
  }

  function answerTier(
    ctx: RequestContext,
    policy: RateLimitPolicy,
    key: string,
    d: RateLimitDecision,
  ): boolean {
    usage?.record(key, policy, d.remaining);
    writeHeaders(ctx.res, policy, d);
    if (!d.allowed) throw rateLimited(ctx.res, policy, d);
    return NEXT;
  }

  async function limitRouteThenTier(ctx: RequestContext, route: RoutePolicy): Promise<boolean> {
    const rp = route.policy;
    let key: string;
    if (route.key === 'identity') key = `${rp.name}:${subjectOf(ctx)}`;
    else {
      if (ctx.clientIp === '') ctx.clientIp = clientIp.resolve(ctx.req);
      key = `${rp.name}:${anonymousSubject(ctx.clientIp)}`;
    }
    if (route.key === 'ip+email') {
      ctx.body = await readBody(ctx.req, bodyLimitBytes);
      key += `:e:${emailDigest(ctx.body)}`;
    }
    const rd = await limiter.consume(key, rp);
    usage?.record(key, rp, rd.remaining);
    if (!rd.allowed) {
      // Refused by the route policy: the tier quota is not touched.
      writeHeaders(ctx.res, rp, rd);
      throw rateLimited(ctx.res, rp, rd);
    }
    const tp = tiers[tierOf(ctx.identity) as TierName];
    const tierKey = `${tp.name}:${subjectOf(ctx)}`;
    const td = await limiter.consume(tierKey, tp);
    usage?.record(tierKey, tp, td.remaining);
    const res = ctx.res;
    writeHeaders(
      res,
      td.remaining < rd.remaining || !td.allowed ? tp : rp,
      td.remaining < rd.remaining || !td.allowed ? td : rd,
    );
    res.setHeader('ratelimit-policy', `${rp.policyHeader}, ${tp.policyHeader}`);
    res.setHeader('ratelimit', `${rateItem(rp, rd)}, ${rateItem(tp, td)}`);
    if (!td.allowed) throw rateLimited(res, tp, td);
    return NEXT;
  }

  return {
    name: 'rateLimit',
    handle(ctx: RequestContext) {
      if (routesByPath.size !== 0) {
        const candidates = routesByPath.get(ctx.path);
        if (candidates !== undefined) {
          const method = ctx.req.method;
          for (const route of candidates) if (route.method === method) return limitRouteThenTier(ctx, route);
        }
      }
      return limitTier(ctx);
    },
  };
}

/** Seconds for header values: at least 1 while anything is pending. */
function seconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** `"name";r=remaining;t=seconds`: t is when quota returns (for a refusal: when a retry can pass). */
function rateItem(policy: RateLimitPolicy, d: RateLimitDecision): string {
  return `${policy.ratePrefix}${d.remaining};t=${seconds(d.allowed ? d.resetMs : d.retryAfterMs)}`;
}

function writeHeaders(res: ServerResponse, policy: RateLimitPolicy, d: RateLimitDecision): void {
  const limit = d.limit === policy.max ? policy.maxHeader : String(d.limit);
  const reset = seconds(d.allowed ? d.resetMs : d.retryAfterMs);
  res.setHeader(
    'ratelimit-policy',
    d.limit === policy.max
      ? policy.policyHeader
      : `"${policy.name}";q=${d.limit};w=${seconds(policy.windowMs)}`,
  );
  res.setHeader('ratelimit', `${policy.ratePrefix}${d.remaining};t=${reset}`);
  res.setHeader('x-ratelimit-limit', limit);
  res.setHeader('x-ratelimit-remaining', d.remaining);
  res.setHeader('x-ratelimit-reset', reset);
  if (d.degraded) res.setHeader('ratelimit-degraded', 'true');
}

function rateLimited(res: ServerResponse, policy: RateLimitPolicy, d: RateLimitDecision): FloodgateError {
  const retryAfter = Math.max(1, seconds(d.retryAfterMs));
  res.setHeader('retry-after', retryAfter);
  return new FloodgateError('RATE_LIMITED', `Rate limit exceeded for policy ${policy.name}`, {
    details: {
      policy: policy.name,
      limit: d.limit,
      windowSeconds: seconds(policy.windowMs),
      retryAfterSeconds: retryAfter,
    },
  });
}

/** Reads the whole body, at most `limitBytes` (413 beyond), keeping the exact bytes for the upstream. */
async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      throw new FloodgateError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A short digest of the body's normalised `email` (the key never holds the address itself), or `-`
 * when the body is not JSON with a string email: such attempts still count per client IP.
 */
function emailDigest(body: Buffer): string {
  if (body.length === 0) return '-';
  let email: unknown;
  try {
    email = (JSON.parse(body.toString('utf8')) as { email?: unknown } | null)?.email;
  } catch {
    return '-';
  }
  if (typeof email !== 'string' || email.length > 320) return '-';
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
}
