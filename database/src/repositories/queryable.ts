import type { Pool } from '@floodgate/shared';

/** What repositories need: a pool, or a checked-out client inside a transaction. */
export type Queryable = Pick<Pool, 'query'>;

/** Largest value of a PostgreSQL `integer` id; larger ids cannot exist, so lookups skip the query. */
export const MAX_INT_ID = 2_147_483_647;

export function isStorableId(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0 && id <= MAX_INT_ID;
}
