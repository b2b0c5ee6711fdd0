import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';

export interface CallOptions {
  method?: string;
  /** Origin-form or absolute-form request target. */
  path?: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
}

export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

/**
 * One HTTP/1.1 request with node:http and no connection reuse, so a test controls every header
 * (hop-by-hop ones included, which fetch would refuse or rewrite).
 */
export function call(port: number, options: CallOptions = {}): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
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
    req.end(options.body);
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
