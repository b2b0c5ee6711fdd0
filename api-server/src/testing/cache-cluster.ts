import assert from 'node:assert/strict';
import { fetchJson, type JsonBody, waitUntil } from '@floodgate/shared/testing';

/** GET /internal/cache of one instance (its `data`). */
export async function cacheStats(baseUrl: string, token?: string): Promise<JsonBody> {
  const res = await fetchJson(`${baseUrl}/internal/cache`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

/** Every instance holds a lease, hears the others, and (when `l2`) reads L2. */
export function waitCoherent(urls: string[], options: { l2: boolean; token?: string }): Promise<void> {
  let last: JsonBody[] = [];
  return waitUntil(
    () =>
      `all instances coherent; last seen: ${JSON.stringify(last.map((s) => ({ c: s.coherence, l2: s.l2 })))}`,
    async () => {
      const all = await Promise.all(urls.map((u) => cacheStats(u, options.token)));
      last = all;
      return all.every(
        (s) =>
          s.coherence.leaseValid && s.coherence.members >= urls.length - 1 && (!options.l2 || s.l2.trusted),
      );
    },
    { timeoutMs: 15_000 },
  );
}

export interface RywResult {
  rounds: number;
  stale: string[];
  /** X-Cache of the reads made just before each write (were caches really in play?). */
  warm: Record<string, number>;
  after: Record<string, number>;
}

/**
 * Read-your-writes rounds: read the resource through every reader (so their caches hold it),
 * update it through `writer`, then read it through every reader: any old name is a stale read.
 */
export async function readYourWritesRounds(options: {
  writer: string;
  readers: string[];
  token: string;
  id: number;
  rounds: number;
  label: string;
  /** Read through the readers before each write too (default true). */
  warm?: boolean;
}): Promise<RywResult> {
  const { writer, readers, token, id } = options;
  const result: RywResult = { rounds: options.rounds, stale: [], warm: {}, after: {} };
  const count = (into: Record<string, number>, status: string) => {
    into[status] = (into[status] ?? 0) + 1;
  };
  const path = `/api/v1/resources/${id}`;
  for (let i = 0; i < options.rounds; i++) {
    if (options.warm !== false) {
      for (const r of await Promise.all(readers.map((u) => fetchJson(`${u}${path}`)))) {
        count(result.warm, r.headers.get('x-cache') ?? 'none');
      }
    }
    const name = `${options.label}-${i}`;
    const put = await fetchJson(`${writer}${path}`, { method: 'PATCH', token, body: { name } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const reads = await Promise.all(readers.map((u) => fetchJson(`${u}${path}`)));
    reads.forEach((r, k) => {
      count(result.after, r.headers.get('x-cache') ?? 'none');
      if (r.status !== 200 || r.body?.name !== name) {
        result.stale.push(
          `round ${i} reader ${k}: ${r.status} ${r.body?.name} (${r.headers.get('x-cache')})`,
        );
      }
    });
  }
  return result;
}
