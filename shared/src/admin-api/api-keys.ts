import { z } from 'zod';
import type { TierName } from '../config/index.js';
import { dataOf, pageOf, Timestamp } from './envelope.js';

/** Rate-limit tiers, lowest priority first (the gateway's `TIERS`). */
export const Tier = z.enum(['anonymous', 'free', 'pro', 'enterprise']).meta({ id: 'Tier' });
export type Tier = z.infer<typeof Tier>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// A compile error here means the wire enum and the gateway's TIERS differ.
true satisfies Same<Tier, TierName>;

/** Key ids in paths: a positive integer in decimal. */
export const ApiKeyId = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.int().max(2_147_483_647, 'must be a positive integer'));

/** The path parameters of `/api/v1/admin/keys/{id}`. */
export const ApiKeyParams = z.object({ id: ApiKeyId });

/** An API key as admins see it: never its secret or hash. */
export const ApiKey = z
  .object({
    id: z.int().min(1),
    prefix: z.string().meta({ description: 'Identifies the key in lists: fg_<prefix>_<secret>.' }),
    consumerId: z.int().min(1),
    name: z.string().meta({ description: "The consumer's name (shared by its keys)." }),
    tier: Tier,
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof ApiKey>;

/** A key just created: `key` is shown in this answer only. */
export const CreatedApiKey = ApiKey.extend({
  key: z.string().meta({ description: 'The plain key, fg_<prefix>_<secret>. Store it now.' }),
}).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/** A key after a revocation or tier change. */
export const ApiKeyChange = ApiKey.extend({
  propagated: z.boolean().meta({
    description:
      'The change was published to every gateway (false: others see it when their key cache expires).',
  }),
}).meta({ id: 'ApiKeyChange' });
export type ApiKeyChange = z.infer<typeof ApiKeyChange>;

/** Body of `POST /api/v1/admin/keys`. */
export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).meta({ description: 'Consumer name (created if new).' }),
    tier: Tier,
  })
  .meta({ id: 'CreateApiKeyBody' });
export type CreateApiKeyBody = z.output<typeof CreateApiKeyBody>;

/** Body of `PATCH /api/v1/admin/keys/:id`: the tier of the key's consumer (all its keys). */
export const UpdateApiKeyBody = z.strictObject({ tier: Tier }).meta({ id: 'UpdateApiKeyBody' });
export type UpdateApiKeyBody = z.output<typeof UpdateApiKeyBody>;

export const ApiKeyPage = pageOf(ApiKey, 'ApiKeyPage');
export type ApiKeyPage = z.infer<typeof ApiKeyPage>;
export const CreatedApiKeyAnswer = dataOf(CreatedApiKey, 'CreatedApiKeyAnswer');
export type CreatedApiKeyAnswer = z.infer<typeof CreatedApiKeyAnswer>;
export const ApiKeyChangeAnswer = dataOf(ApiKeyChange, 'ApiKeyChangeAnswer');
export type ApiKeyChangeAnswer = z.infer<typeof ApiKeyChangeAnswer>;
