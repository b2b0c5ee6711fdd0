import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One probe of the health path and what the fake answered. */
export interface ProbeRecord {
  at: number;
  pass: boolean;
}

/** One proxied request: when it arrived and when it was answered. */
export interface ArrivalRecord {
  at: number;
  method: string;
  path: string;
  answeredAt: number | null;
}

export interface FakeBackendOptions {
  /** Whether /health/ready passes right now (called per probe). @default always */
  healthy?: () => boolean;
  /** Status for every other request. @default 200 */
  status?: number;
  /** Delay before every other request is answered. @default 0 */
  delayMs?: number;
}

/**
 * A tiny backend in the test process for faults a real api-server does not produce on demand
 * (500 to everything, a health check that flaps, slow answers). `/health/ready` answers like the
 * api-server (200, or 503 DEPENDENCY_UNAVAILABLE); everything else gets `status` with a JSON body.
 */
export class FakeBackend {
  readonly probes: ProbeRecord[] = [];
  readonly arrivals: ArrivalRecord[] = [];
  readonly #server: Server;
  readonly #options: FakeBackendOptions;
  #url = '';

  constructor(options: FakeBackendOptions = {}) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 60_000;
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests answered so far, and those still held. */
  get inFlight(): number {
    return this.arrivals.filter((a) => a.answeredAt === null).length;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const now = performance.now();
    const path = (req.url ?? '/').split('?')[0] as string;
    req.resume();
    if (path === '/health/ready') {
      const pass = this.#options.healthy?.() ?? true;
      this.probes.push({ at: now, pass });
      send(res, pass ? 200 : 503, pass ? { status: 'ready' } : envelope('DEPENDENCY_UNAVAILABLE'));
      return;
    }
    const record: ArrivalRecord = { at: now, method: req.method as string, path, answeredAt: null };
    this.arrivals.push(record);
    const status = this.#options.status ?? 200;
    const answer = () => {
      record.answeredAt = performance.now();
      send(res, status, status < 400 ? { id: 1, name: 'fake', fake: true } : envelope('INTERNAL'));
    };
    const delay = this.#options.delayMs ?? 0;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close').catch(() => {});
  }
}

function envelope(code: string) {
  return { error: { code, message: code, requestId: 'fake' } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
