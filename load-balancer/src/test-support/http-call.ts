import { type IncomingHttpHeaders, request } from 'node:http';

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json<T = unknown>(): T;
}

/**
 * One HTTP/1.1 request with node:http (no connection reuse), so tests control every header,
 * hop-by-hop ones included, which fetch would refuse or rewrite.
 */
export function call(url: string, options: CallOptions = {}): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode as number,
            headers: res.headers,
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
