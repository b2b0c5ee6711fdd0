import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendView } from '../commands/backends.js';
import type { BreakerView } from '../commands/breakers.js';

export interface FakeBalancerAdmin {
  url: string;
  token: string;
  backends: BackendView[];
  breakers: Map<string, BreakerView>;
  /** Every request (method, url, authorization, body). */
  seen: { method: string; url: string; auth: string | undefined; body: string }[];
  reset(): void;
  close(): Promise<void>;
}

const backend = (id: string, url: string): BackendView => ({
  id,
  url,
  weight: 1,
  healthy: true,
  circuitState: 'closed',
  draining: false,
  available: true,
  inFlight: 0,
  requests: 120,
  failures: 2,
  retries: 1,
  webSockets: 0,
  latencyMs: { p50: 1.234, p99: 9.87 },
});

const breaker = (id: string): BreakerView => ({
  backend: id,
  state: 'closed',
  forced: false,
  consecutiveFailures: 0,
  window: { requests: 40, failures: 3 },
  openedAt: null,
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const envelope = (code: string, message: string) => ({ error: { code, message, requestId: 'r' } });

/** The gateway's balancer admin API as a stand-in, with the balancer's semantics, for CLI tests. */
export async function startFakeBalancerAdmin(token: string): Promise<FakeBalancerAdmin> {
  const fake: FakeBalancerAdmin = {
    url: '',
    token,
    backends: [],
    breakers: new Map(),
    seen: [],
    reset() {
      this.backends = [backend('api-1', 'http://127.0.0.1:3001'), backend('api-2', 'http://127.0.0.1:3002')];
      this.breakers = new Map(this.backends.map((b) => [b.id, breaker(b.id)]));
      this.seen.length = 0;
    },
    close: async () => {},
  };
  fake.reset();
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    fake.seen.push({
      method: req.method as string,
      url: req.url as string,
      auth: req.headers.authorization,
      body,
    });
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, envelope('INVALID_TOKEN', 'Session token is invalid or expired'));
      return;
    }
    const parts = (req.url as string).split('/').slice(4); // ['backends', id?, action?]
    const [kind, id, action] = parts;
    const find = () => fake.backends.find((b) => b.id === id);
    if (kind === 'backends') {
      if (req.method === 'GET' && id === undefined) {
        send(res, 200, { algorithm: 'round-robin', backends: fake.backends });
        return;
      }
      if (req.method === 'POST' && id === undefined) {
        const { url, weight } = JSON.parse(body) as { url: string; weight?: number };
        if (fake.backends.some((b) => b.url === url)) {
          send(res, 409, envelope('CONFLICT', `Backend ${url} is already in the pool`));
          return;
        }
        const added = { ...backend(`api-${fake.backends.length + 1}`, url), weight: weight ?? 1 };
        fake.backends.push(added);
        fake.breakers.set(added.id, breaker(added.id));
        send(res, 201, { backend: added });
        return;
      }
      const b = find();
      if (!b) {
        send(res, 404, envelope('NOT_FOUND', `No backend ${id}`));
        return;
      }
      if (req.method === 'DELETE' && action === undefined) {
        fake.backends = fake.backends.filter((x) => x !== b);
        send(res, 200, { backend: b });
        return;
      }
      if (req.method === 'POST' && (action === 'drain' || action === 'enable')) {
        b.draining = action === 'drain';
        b.available = !b.draining;
        send(res, 200, { backend: b });
        return;
      }
    }
    if (kind === 'circuit-breakers') {
      if (req.method === 'GET' && id === undefined) {
        send(res, 200, { circuitBreakers: [...fake.breakers.values()] });
        return;
      }
      const br = fake.breakers.get(id ?? '');
      if (!br) {
        send(res, 404, envelope('NOT_FOUND', `No backend ${id}`));
        return;
      }
      if (req.method === 'POST' && (action === 'open' || action === 'close' || action === 'reset')) {
        br.state = action === 'open' ? 'open' : 'closed';
        br.forced = action === 'open';
        br.openedAt = action === 'open' ? Date.UTC(2026, 0, 1) : br.openedAt;
        if (action === 'reset') br.window = { requests: 0, failures: 0 };
        send(res, 200, { circuitBreaker: br });
        return;
      }
    }
    send(res, 404, envelope('NOT_FOUND', 'Not found'));
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += String(c);
    });
    req.on('end', () => handle(req, res, body));
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
