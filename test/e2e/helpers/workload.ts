import { login } from '@floodgate/shared/testing';
import pg from 'pg';
import { call } from './http.js';
import type { LoadRequest, LoadResult } from './load-generator.js';

/** What the fault tests send: resources to read and replace, and others to delete once each. */
export interface Workload {
  token: string;
  /** Resource ids read (GET) and replaced (PUT) over and over. */
  stable: number[];
  /** Resource ids each deleted once (in order). */
  deletable: number[];
  /** Index of the next deletable id (shared by every scenario, so no resource is deleted twice). */
  nextDelete: number;
}

/**
 * Logs in as the seeded admin, creates the resources read and replaced through the gateway, and
 * inserts the (many) resources to delete straight into the database.
 */
export async function prepareWorkload(
  gatewayUrl: string,
  databaseUrl: string,
  counts: { stable: number; deletable: number },
): Promise<Workload> {
  const token = await login(gatewayUrl, 'admin@example.com', 'admin123');
  const create = async (name: string) => {
    const res = await call<{ id: number }>(`${gatewayUrl}/api/v1/resources`, {
      method: 'POST',
      token,
      body: { name, type: 'fault-test', data: { n: 0 } },
    });
    if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const stable = await Promise.all(Array.from({ length: counts.stable }, (_, i) => create(`stable-${i}`)));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO resources (name, type, owner_id)
       SELECT 'deletable-' || g, 'fault-test', (SELECT id FROM users WHERE email = 'admin@example.com')
       FROM generate_series(1, $1::int) AS g RETURNING id`,
      [counts.deletable],
    );
    return { token, stable, deletable: rows.map((r) => r.id), nextDelete: 0 };
  } finally {
    await db.end();
  }
}

/**
 * 70 % GET, 20 % PUT, 10 % DELETE (each deletable resource once, then GETs again when they run out).
 * Only idempotent methods: the balancer may retry every one of them.
 */
export function idempotentMix(w: Workload): (i: number) => LoadRequest {
  return (i) => {
    const id = w.stable[i % w.stable.length] as number;
    const slot = i % 10;
    if (slot === 9 && w.nextDelete < w.deletable.length) {
      return { method: 'DELETE', path: `/api/v1/resources/${w.deletable[w.nextDelete++]}` };
    }
    if (slot === 3 || slot === 7) {
      return {
        method: 'PUT',
        path: `/api/v1/resources/${id}`,
        body: { name: `stable-${id}`, type: 'fault-test', data: { n: i } },
      };
    }
    return { method: 'GET', path: `/api/v1/resources/${id}` };
  };
}

/** Reads only. */
export function readsOnly(w: Workload): (i: number) => LoadRequest {
  return (i) => ({ method: 'GET', path: `/api/v1/resources/${w.stable[i % w.stable.length]}` });
}

/**
 * Whether the client got what it asked for. A DELETE answered 404 counts: a delete retried after
 * the first try deleted the row on an instance that died before answering finds nothing, which is
 * the same end state (the resource is gone), as RFC 9110 allows for a repeated DELETE.
 */
function isSuccess(r: LoadResult): boolean {
  if (r.status >= 200 && r.status < 300) return true;
  return r.method === 'DELETE' && r.status === 404;
}

export function failuresOf(results: readonly LoadResult[]): LoadResult[] {
  return results.filter((r) => !isSuccess(r));
}
