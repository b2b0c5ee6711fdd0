import { call, login } from './http.js';
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

/** Logs in as the seeded admin and creates the workload's resources through the gateway. */
export async function prepareWorkload(gatewayUrl: string, counts: { stable: number; deletable: number }) {
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
  const batch = async (prefix: string, n: number) => {
    const ids: number[] = [];
    for (let i = 0; i < n; i += 20) {
      const size = Math.min(20, n - i);
      ids.push(...(await Promise.all(Array.from({ length: size }, (_, j) => create(`${prefix}-${i + j}`)))));
    }
    return ids;
  };
  const workload: Workload = {
    token,
    stable: await batch('stable', counts.stable),
    deletable: await batch('deletable', counts.deletable),
    nextDelete: 0,
  };
  return workload;
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
export function isSuccess(r: LoadResult): boolean {
  if (r.status >= 200 && r.status < 300) return true;
  return r.method === 'DELETE' && r.status === 404;
}

export function failuresOf(results: readonly LoadResult[]): LoadResult[] {
  return results.filter((r) => !isSuccess(r));
}
