import type { ApiKeyInfo, ApiKeyRepository } from '@floodgate/database';
import {
  Channels,
  type EventBus,
  FloodgateError,
  type Logger,
  parseQuery,
  parseWith,
  readBodyWith,
  sendJson,
} from '@floodgate/shared';
import {
  type ApiKey,
  type ApiKeyChangeAnswer,
  type ApiKeyPage,
  ApiKeyParams,
  CreateApiKeyBody,
  type CreatedApiKeyAnswer,
  encodeCursor,
  PageQuery,
  UpdateApiKeyBody,
} from '@floodgate/shared/admin-api';
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
 * `/api/v1/admin/keys`: create (the plain key is in this one response only), list by cursor (never a
 * secret or hash), revoke and change a key's tier. A revocation or change takes effect on this
 * gateway at once and on every other within the pub/sub latency (Redis), or their cache TTL without
 * Redis. Wire shapes: `@floodgate/shared/admin-api`.
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
        const { name, tier } = await readBodyWith(ctx.req, CreateApiKeyBody, ADMIN_BODY_LIMIT_BYTES);
        const created = await repository.create({ name, tier }, hash);
        logger.info(
          { keyId: created.id, prefix: created.prefix, tier, reqId: ctx.requestId },
          'API key created',
        );
        const body: CreatedApiKeyAnswer = { data: { ...view(created), key: created.key } };
        sendJson(ctx.res, 201, body);
      },
    },
    {
      method: 'GET',
      path: KEYS_PATH,
      async handler(ctx: RequestContext) {
        const q = ctx.target.indexOf('?');
        const page = parseQuery(PageQuery, new URLSearchParams(q === -1 ? '' : ctx.target.slice(q + 1)));
        const { keys, more } = await repository.list({ limit: page.limit, afterId: page.cursor });
        const last = keys.at(-1);
        const body: ApiKeyPage = {
          data: keys.map(view),
          nextCursor: more && last !== undefined ? encodeCursor(last.id) : null,
        };
        sendJson(ctx.res, 200, body);
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
        const body: ApiKeyChangeAnswer = { data: { ...view(revoked), propagated } };
        sendJson(ctx.res, 200, body);
      },
    },
    {
      method: 'PATCH',
      path: KEY_PATH,
      async handler(ctx: RequestContext) {
        const id = keyId(ctx);
        const { tier } = await readBodyWith(ctx.req, UpdateApiKeyBody, ADMIN_BODY_LIMIT_BYTES);
        const updated = await repository.updateTier(id, tier);
        if (updated === null) throw new FloodgateError('NOT_FOUND', `No API key ${id}`);
        for (const k of updated.consumerKeyIds) verifier.changed(k);
        const propagated = await publish(Channels.apiKeyChanged, updated.consumerKeyIds);
        logger.info({ keyId: id, tier, reqId: ctx.requestId }, 'API key consumer tier changed');
        const body: ApiKeyChangeAnswer = { data: { ...view(updated.key), propagated } };
        sendJson(ctx.res, 200, body);
      },
    },
  ];
}

/** Exactly the wire fields: a future column can never leak through a spread. */
function view(k: ApiKeyInfo): ApiKey {
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

/** The `:id` of the route. */
function keyId(ctx: RequestContext): number {
  return parseWith(ApiKeyParams, { id: ctx.path.slice(ctx.path.lastIndexOf('/') + 1) }, 'path').id;
}
