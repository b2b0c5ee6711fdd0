import type { ApiKeyInfo, ApiKeyRepository } from '@floodgate/database';
import {
  Channels,
  type EventBus,
  FloodgateError,
  type Logger,
  readJsonBody,
  sendJson,
  TIERS,
  type TierName,
} from '@floodgate/shared';
import type { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { AdminRoute } from './admin-stage.js';

export interface ApiKeyAdminDeps {
  repository: Pick<ApiKeyRepository, 'create' | 'list' | 'revoke' | 'updateTier'>;
  /** Hashes a new key for storage (HMAC with API_KEY_SECRET). */
  hash: (key: string) => string;
  verifier: Pick<ApiKeyVerifier, 'revoke' | 'changed'>;
  bus: EventBus;
  logger: Logger;
}

/** Admin request bodies are small. */
const ADMIN_BODY_LIMIT_BYTES = 16 * 1024;
const KEYS_PATH = '/api/v1/admin/keys';
const KEY_PATH = '/api/v1/admin/keys/:id';

/**
 * `/api/v1/admin/keys`: create (the plain key is in this one response only), list (never a secret
 * or hash), revoke and change a key's tier. A revocation or change takes effect on this gateway at
 * once and on every other within the pub/sub latency (Redis), or their cache TTL without Redis.
 */
export function createApiKeyAdminRoutes(deps: ApiKeyAdminDeps): AdminRoute[] {
  const { repository, hash, verifier, bus, logger } = deps;

  const publish = (channel: string, ids: readonly number[]) =>
    Promise.all(ids.map((id) => bus.publish(channel, String(id)))).then(
      () => true,
      (err: unknown) => {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), channel },
          'could not publish an API key change; other gateways see it when their cache expires',
        );
        return false;
      },
    );

  return [
    {
      method: 'POST',
      path: KEYS_PATH,
      async handler(ctx: RequestContext) {
        const body = await readJsonBody(ctx.req, ADMIN_BODY_LIMIT_BYTES);
        const name = field(body, 'name');
        const tier = field(body, 'tier');
        const issues: { path: string; message: string }[] = [];
        if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
          issues.push({ path: 'name', message: 'a string of 1-100 characters' });
        }
        if (!isTier(tier)) issues.push({ path: 'tier', message: `one of ${TIERS.join(', ')}` });
        if (issues.length > 0 || typeof name !== 'string' || !isTier(tier)) throw invalid(issues);
        const created = await repository.create({ name: name.trim(), tier }, hash);
        logger.info(
          { keyId: created.id, prefix: created.prefix, tier, reqId: ctx.requestId },
          'API key created',
        );
        sendJson(ctx.res, 201, created);
      },
    },
    {
      method: 'GET',
      path: KEYS_PATH,
      async handler(ctx: RequestContext) {
        sendJson(ctx.res, 200, { data: (await repository.list()).map(view) });
      },
    },
    {
      method: 'DELETE',
      path: KEY_PATH,
      async handler(ctx: RequestContext) {
        const id = keyId(ctx);
        const revoked = await repository.revoke(id);
        if (revoked === null) throw new FloodgateError('NOT_FOUND', `No API key ${id}`);
        verifier.revoke(id);
        const propagated = await publish(Channels.apiKeyRevoked, [id]);
        logger.info({ keyId: id, prefix: revoked.prefix, reqId: ctx.requestId }, 'API key revoked');
        sendJson(ctx.res, 200, { ...view(revoked), propagated });
      },
    },
    {
      method: 'PATCH',
      path: KEY_PATH,
      async handler(ctx: RequestContext) {
        const id = keyId(ctx);
        const tier = field(await readJsonBody(ctx.req, ADMIN_BODY_LIMIT_BYTES), 'tier');
        if (!isTier(tier)) throw invalid([{ path: 'tier', message: `one of ${TIERS.join(', ')}` }]);
        const updated = await repository.updateTier(id, tier);
        if (updated === null) throw new FloodgateError('NOT_FOUND', `No API key ${id}`);
        for (const k of updated.consumerKeyIds) verifier.changed(k);
        const propagated = await publish(Channels.apiKeyChanged, updated.consumerKeyIds);
        logger.info({ keyId: id, tier, reqId: ctx.requestId }, 'API key consumer tier changed');
        sendJson(ctx.res, 200, { ...view(updated.key), propagated });
      },
    },
  ];
}

/** Exactly the listed fields: a future column can never leak through a spread. */
function view(k: ApiKeyInfo): ApiKeyInfo {
  return {
    id: k.id,
    prefix: k.prefix,
    consumerId: k.consumerId,
    name: k.name,
    tier: k.tier,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

function isTier(v: unknown): v is TierName {
  return typeof v === 'string' && (TIERS as readonly string[]).includes(v);
}

function invalid(issues: { path: string; message: string }[]): FloodgateError {
  return new FloodgateError('VALIDATION_FAILED', undefined, { details: { issues } });
}

/** The `:id` of the route; the admin stage put the route's params on the context. */
function keyId(ctx: RequestContext): number {
  const raw = ctx.path.slice(ctx.path.lastIndexOf('/') + 1);
  if (!/^[1-9]\d{0,9}$/.test(raw)) {
    throw invalid([{ path: 'id', message: 'a positive integer key id' }]);
  }
  return Number(raw);
}
