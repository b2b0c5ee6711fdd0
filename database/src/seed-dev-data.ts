import { DEV_API_KEY_SECRET, type Logger, type Pool } from '@floodgate/shared';
import { createApiKeyHasher } from './api-key.js';
import { hashPassword } from './passwords.js';
import type { Tier } from './repositories/session-repository.js';

/** Transaction-scoped advisory lock key: concurrent seeders queue here and re-check emptiness. */
const SEED_LOCK_KEY = 7_206_151_002;

// Development credentials. They exist only here; callers never run this with NODE_ENV=production.
const DEV_USERS = [
  { email: 'admin@example.com', password: 'admin123', name: 'Admin', role: 'admin', tier: 'enterprise' },
  { email: 'user@example.com', password: 'user123', name: 'User', role: 'user', tier: 'free' },
] as const;

/** A dev-only demo API key; its plain text is public (printed by `floodgate up`). */
export interface DevDemoKey {
  readonly tier: Tier;
  readonly name: string;
  readonly prefix: string;
  readonly key: string;
}

/** One demo key per tier, with fixed plain texts. Seeded only by the dev seed, never in production. */
export const DEV_DEMO_KEYS: readonly DevDemoKey[] = Object.freeze(
  (
    [
      ['anonymous', 'demoanon'],
      ['free', 'demofree'],
      ['pro', 'demopro'],
      ['enterprise', 'demoent'],
    ] as const
  ).map(([tier, prefix]) =>
    Object.freeze({
      tier,
      name: `demo-${tier}`,
      prefix,
      key: `fg_${prefix}_dev-only-${tier}-demo-key-public-never-in-production`,
    }),
  ),
);

/**
 * Inserts the demo keys that are missing (idempotent, race-safe), hashed with `apiKeySecret`: the
 * gateway's API_KEY_SECRET, or the dev default it uses when none is set. Returns how many it added.
 */
export async function seedDevApiKeys(
  pool: Pick<Pool, 'query'>,
  apiKeySecret = DEV_API_KEY_SECRET,
): Promise<number> {
  const hash = createApiKeyHasher(apiKeySecret);
  let added = 0;
  for (const demo of DEV_DEMO_KEYS) {
    const { rowCount } = await pool.query(
      `WITH c AS (
         INSERT INTO consumers (name, tier) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id
       )
       INSERT INTO api_keys (consumer_id, prefix, key_hash) SELECT id, $3, $4 FROM c ON CONFLICT DO NOTHING`,
      [demo.name, demo.tier, demo.prefix, hash(demo.key)],
    );
    added += rowCount ?? 0;
  }
  return added;
}

const SAMPLE_RESOURCES = [
  {
    name: 'Getting started',
    type: 'article',
    data: { body: 'Floodgate routes, limits and balances your API.' },
  },
  { name: 'Rate limit tiers', type: 'article', data: { tiers: ['anonymous', 'free', 'pro', 'enterprise'] } },
  { name: 'Widget', type: 'product', data: { priceCents: 1999, stock: 42 } },
  { name: 'Gadget', type: 'product', data: { priceCents: 4999, stock: 7 } },
  { name: 'Nightly report', type: 'report', data: { schedule: '0 2 * * *', format: 'csv' } },
];

/**
 * Seeds the dev users and sample resources into an empty database (no users yet), and the demo API
 * keys into any database missing them; returns true when it seeded the users. Idempotent and
 * race-safe: the check and the inserts happen in one transaction under an advisory lock, so of many
 * concurrent callers exactly one seeds.
 */
export async function seedDevData(
  pool: Pool,
  logger: Logger,
  options: { apiKeySecret?: string | undefined } = {},
): Promise<boolean> {
  // Demo keys are added to any dev database that lacks them (also one seeded before they existed).
  const keys = await seedDevApiKeys(pool, options.apiKeySecret || DEV_API_KEY_SECRET);
  if (keys > 0) logger.info({ demoKeys: DEV_DEMO_KEYS.map((k) => k.prefix) }, 'seeded dev demo API keys');
  const empty = async (q: Pick<Pool, 'query'>) =>
    !(await q.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any')).rows[0]?.any;
  // Cheap pre-check outside the lock; the slow hashing happens only when seeding is likely.
  if (!(await empty(pool))) return false;
  const hashes = await Promise.all(DEV_USERS.map((u) => hashPassword(u.password)));

  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
      if (!(await empty(client))) {
        await client.query('COMMIT');
        return false;
      }
      let adminId: number | null = null;
      for (const [i, u] of DEV_USERS.entries()) {
        const { rows } = await client.query<{ id: number }>(
          'INSERT INTO users (email, name, password_hash, role, tier) VALUES ($1, $2, $3, $4, $5) RETURNING id',
          [u.email, u.name, hashes[i], u.role, u.tier],
        );
        if (u.role === 'admin') adminId = rows[0]?.id ?? null;
      }
      for (const r of SAMPLE_RESOURCES) {
        await client.query('INSERT INTO resources (name, type, data, owner_id) VALUES ($1, $2, $3, $4)', [
          r.name,
          r.type,
          JSON.stringify(r.data),
          adminId,
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    }
    logger.info(
      { users: DEV_USERS.map((u) => u.email), resources: SAMPLE_RESOURCES.length },
      'seeded development data',
    );
    return true;
  } finally {
    client.release(broken);
  }
}
