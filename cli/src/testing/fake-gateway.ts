import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ApiKey,
  type BackendStatus,
  type CacheClearOverviewAnswer,
  type CacheOverviewAnswer,
  type CircuitBreakerStatus,
  type DashboardAnswer,
  decodeCursor,
  encodeCursor,
  type Page,
  type RateLimitOverviewAnswer,
} from '@floodgate/shared/admin-api';
import {
  exampleBackend,
  exampleCacheStats,
  exampleCircuitBreaker,
  exampleLbStatus,
} from '@floodgate/shared/admin-api/examples';

/** A request the fake gateway received. */
export interface SeenRequest {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

/**
 * The gateway's health and admin API as an in-memory stand-in for CLI tests. Every answer is typed
 * with the shared wire contract, so the fake cannot drift from what the real gateway sends.
 */
export interface FakeGateway {
  url: string;
  healthStatus: number;
  balancerReachable: boolean;
  backends: BackendStatus[];
  breakers: Map<string, CircuitBreakerStatus>;
  keys: (ApiKey & { key: string })[];
  /** api-servers the cache fan-out cannot reach. */
  downInstances: Set<string>;
  /** Largest page the fake answers, whatever `limit` asks (to make clients follow cursors). */
  pageSize: number;
  seen: SeenRequest[];
  reset(): void;
  close(): Promise<void>;
}

const envelope = (code: string, message: string) => ({ error: { code, message, requestId: 'r' } });

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function page<T>(items: T[], query: URLSearchParams, position: (t: T) => number, size: number): Page<T> {
  const limit = Math.min(Number(query.get('limit') ?? size), size);
  const raw = query.get('cursor');
  const after = raw === null ? 0 : (decodeCursor(raw) ?? 0);
  const rest = items.filter((t) => position(t) > after);
  const data = rest.slice(0, limit);
  const last = data.at(-1);
  return { data, nextCursor: rest.length > limit && last ? encodeCursor(position(last)) : null };
}

const sequence = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));

export async function startFakeGateway(token: string): Promise<FakeGateway> {
  const fake: FakeGateway = {
    url: '',
    healthStatus: 200,
    balancerReachable: true,
    backends: [],
    breakers: new Map(),
    keys: [],
    downInstances: new Set(),
    pageSize: 100,
    seen: [],
    reset() {
      this.healthStatus = 200;
      this.balancerReachable = true;
      this.backends = [
        exampleBackend({ id: 'api-1', url: 'http://127.0.0.1:3001', requests: 120, failures: 2, retries: 1 }),
        exampleBackend({ id: 'api-2', url: 'http://127.0.0.1:3002', requests: 80 }),
      ];
      (this.backends[0] as BackendStatus).latency = { p50Ms: 1.234, p99Ms: 9.87 };
      this.breakers = new Map(
        this.backends.map((b) => [
          b.id,
          exampleCircuitBreaker({ backendId: b.id, window: { requests: 40, failures: 3 } }),
        ]),
      );
      this.keys = [];
      this.downInstances = new Set();
      this.pageSize = 100;
      this.seen.length = 0;
    },
    close: async () => {},
  };
  fake.reset();

  const answer = (req: IncomingMessage, body: string): [number, unknown] => {
    const url = new URL(req.url as string, 'http://x');
    const path = url.pathname;
    const method = req.method as string;
    if (path === '/health') return [fake.healthStatus, { status: fake.healthStatus === 200 ? 'ok' : 'down' }];
    if (req.headers.authorization !== `Bearer ${token}`) {
      return [401, envelope('INVALID_TOKEN', 'Session token is invalid or expired')];
    }
    const [, , , , kind, id, action] = path.split('/'); // /api/v1/admin/<kind>/<id>/<action>
    const sync = (b: BackendStatus) => {
      const breaker = fake.breakers.get(b.id);
      b.circuitState = breaker?.circuitState ?? 'closed';
      b.available = b.healthy && !b.draining && b.circuitState !== 'open';
    };
    fake.backends.forEach(sync);
    if (kind === 'dashboard' && method === 'GET') {
      const status = exampleLbStatus(fake.backends);
      const dashboard: DashboardAnswer = {
        data: {
          gateway: {
            startedAt: '2026-01-01T00:00:00.000Z',
            uptimeMs: 5000,
            inFlight: 1,
            requests: { total: 10, byStatusClass: { '1xx': 0, '2xx': 9, '3xx': 0, '4xx': 1, '5xx': 0 } },
            sessionCache: { size: 1 },
            apiKeyCache: { size: 0 },
            rateLimit: { mode: 'shared', liveGateways: 1 },
            admission: { inFlight: 1, queued: 0 },
          },
          balancer: fake.balancerReachable
            ? { reachable: true, status, error: null }
            : { reachable: false, status: null, error: 'ECONNREFUSED' },
        },
      };
      return [200, dashboard];
    }
    if (kind === 'backends') {
      if (id === undefined && method === 'GET') {
        return [200, page(fake.backends, url.searchParams, (b) => sequence(b.id), fake.pageSize)];
      }
      if (id === undefined && method === 'POST') {
        const { url: origin, weight } = JSON.parse(body) as { url: string; weight?: number };
        if (fake.backends.some((b) => b.url === origin)) {
          return [409, envelope('CONFLICT', `backend ${origin} is already in the pool`)];
        }
        const next = Math.max(0, ...fake.backends.map((b) => sequence(b.id))) + 1;
        const added = exampleBackend({ id: `api-${next}`, url: origin, weight: weight ?? 1 });
        fake.backends.push(added);
        fake.breakers.set(added.id, exampleCircuitBreaker({ backendId: added.id }));
        return [201, { data: added }];
      }
      const b = fake.backends.find((x) => x.id === id);
      if (!b) return [404, envelope('NOT_FOUND', `No backend with id ${id}`)];
      if (method === 'DELETE' && action === undefined) {
        fake.backends = fake.backends.filter((x) => x !== b);
        return [200, { data: b }];
      }
      if (method === 'POST' && (action === 'drain' || action === 'enable')) {
        b.draining = action === 'drain';
        sync(b);
        return [200, { data: b }];
      }
    }
    if (kind === 'circuit-breakers') {
      if (id === undefined && method === 'GET') {
        const all = [...fake.breakers.values()];
        return [200, page(all, url.searchParams, (b) => sequence(b.backendId), fake.pageSize)];
      }
      const br = fake.breakers.get(id ?? '');
      if (!br) return [404, envelope('NOT_FOUND', `No backend with id ${id}`)];
      if (method === 'POST' && (action === 'open' || action === 'close' || action === 'reset')) {
        br.circuitState = action === 'open' ? 'open' : 'closed';
        br.forced = action === 'open';
        if (action === 'open') br.openedAt = '2026-01-01T00:00:00.000Z';
        if (action === 'reset') br.window = { requests: 0, failures: 0 };
        return [200, { data: br }];
      }
    }
    if (kind === 'keys') {
      const view = ({ key: _key, ...k }: ApiKey & { key: string }): ApiKey => k;
      if (id === undefined && method === 'GET') {
        return [200, page(fake.keys.map(view), url.searchParams, (k) => k.id, fake.pageSize)];
      }
      if (id === undefined && method === 'POST') {
        const { name, tier } = JSON.parse(body) as Pick<ApiKey, 'name' | 'tier'>;
        const created = {
          id: fake.keys.length + 1,
          prefix: 'abcd1234',
          consumerId: 1,
          name,
          tier,
          key: `fg_abcd1234_${'s'.repeat(43)}`,
          createdAt: '2026-01-01T00:00:00.000Z',
          lastUsedAt: null,
          revokedAt: null,
        };
        fake.keys.push(created);
        return [201, { data: created }];
      }
      const k = fake.keys.find((x) => String(x.id) === id);
      if (!k) return [404, envelope('NOT_FOUND', `No API key ${id}`)];
      if (method === 'DELETE') {
        k.revokedAt ??= '2026-01-02T00:00:00.000Z';
        return [200, { data: { ...view(k), propagated: true } }];
      }
      if (method === 'PATCH') {
        for (const other of fake.keys)
          if (other.name === k.name) other.tier = (JSON.parse(body) as ApiKey).tier;
        return [200, { data: { ...view(k), propagated: false } }];
      }
    }
    if (kind === 'cache') {
      const instances = fake.backends.map((b) => ({
        id: b.id,
        url: b.url,
        down: fake.downInstances.has(b.id),
      }));
      const outcome = (i: { id: string; url: string; down: boolean }) => ({
        id: i.id,
        url: i.url,
        ok: !i.down,
        status: i.down ? null : 200,
        error: i.down ? 'ECONNREFUSED' : null,
      });
      if (id === undefined && method === 'GET') {
        const stats: CacheOverviewAnswer = {
          data: {
            ok: fake.downInstances.size === 0,
            totals: {
              l1: { entries: 7, bytes: 900, hits: 90, misses: 10, bypasses: 0, evictions: 0 },
              l2: { hits: 6, misses: 4, bypasses: 0, errors: 0 },
              loads: { ok: 4, error: 0 },
              coalesced: 1,
              staleServed: 0,
              lockWaits: { l2Hit: 0, acquired: 0, timeout: 0 },
              invalidations: { local: 0, remote: 0 },
              writeWaits: { acked: 0, leaseExpired: 0, fallback: 0, none: 0 },
            },
            hitRatio: { l1: 0.9, l2: 0.06, combined: 0.96 },
            instances: instances.map((i) => ({
              ...outcome(i),
              stats: i.down ? null : exampleCacheStats(i.id),
            })),
          },
        };
        return [200, stats];
      }
      if (id === 'clear' && method === 'POST') {
        const scope = JSON.parse(body || '{}') as { key?: string; prefix?: string };
        const cleared: CacheClearOverviewAnswer = {
          data: {
            ok: fake.downInstances.size === 0,
            scope,
            instances: instances.map((i) => ({
              ...outcome(i),
              cleared: i.down ? null : { l1Entries: 2, l2: { result: 'deleted', deleted: 1 } },
            })),
          },
        };
        return [200, cleared];
      }
    }
    if (kind === 'rate-limits' && method === 'GET') {
      const limits: RateLimitOverviewAnswer = {
        data: {
          enabled: true,
          mode: 'degraded',
          liveGateways: 2,
          tiers: [
            { tier: 'anonymous', limit: 100, windowMs: 60_000, buckets: 12, failMode: 'local' },
            { tier: 'pro', limit: 10_000, windowMs: 60_000, buckets: 12, failMode: 'open' },
          ],
          routes: [
            {
              policy: 'login',
              method: 'POST',
              path: '/api/v1/auth/login',
              key: 'ip+email',
              limit: 5,
              windowMs: 60_000,
            },
          ],
          topConsumers: [
            { subject: 'pro:c:7', policy: 'pro', limit: 10_000, used: 420, remaining: 9580, ageMs: 1500 },
          ],
        },
      };
      return [200, limits];
    }
    return [404, envelope('NOT_FOUND', 'Not found')];
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += String(c);
    });
    req.on('end', () => {
      fake.seen.push({
        method: req.method as string,
        url: req.url as string,
        auth: req.headers.authorization,
        body,
      });
      const [status, out] = answer(req, body);
      send(res, status, out);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    server.close();
  };
  return fake;
}
