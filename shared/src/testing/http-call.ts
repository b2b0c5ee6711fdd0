import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';

export interface CallOptions {
  method?: string;
  /**
   * The request target: origin-form (`/x?y`) or absolute-form (`http://host/x`). With a port it is
   * the whole target (default `/`); with a URL it replaces the URL's path and query.
   */
  path?: string;
  headers?: Record<string, string | string[]>;
  /** An array is written one write per element (with `transfer-encoding: chunked`, one chunk each). */
  body?: Buffer | string | readonly (Buffer | string)[];
  /** A keep-alive agent, for tests about connection reuse. @default false (a fresh connection) */
  agent?: Agent | false;
}

export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

/**
 * One HTTP/1.1 request with node:http, by default on a connection of its own, so a test controls
 * every header (hop-by-hop ones included, which fetch would refuse or rewrite) and every
 * connection. `to` is a port on 127.0.0.1 or a URL.
 */
export function call(to: number | string | URL, options: CallOptions = {}): Promise<CallResult> {
  const url = typeof to === 'number' ? new URL(`http://127.0.0.1:${to}/`) : new URL(to);
  const target = options.path ?? (typeof to === 'number' ? '/' : url.pathname + url.search);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port || 80,
        method: options.method ?? 'GET',
        path: target,
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode as number,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body,
            json: <T>() => JSON.parse(body.toString('utf8')) as T,
          });
        });
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) {
      for (const part of body) req.write(part);
      req.end();
    } else req.end(body);
  });
}

/** Writes raw bytes on a fresh TCP connection and resolves with everything read until it closes. */
export function rawExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('connect', () => socket.write(payload));
  });
}
