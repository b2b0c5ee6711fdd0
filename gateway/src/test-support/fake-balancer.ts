import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exampleBackend, exampleLbStatus } from '@floodgate/shared/admin-api/examples';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeBalancer {
  url: string;
  port: number;
  /** Every request the balancer finished reading, in order. */
  readonly requests: RecordedRequest[];
  /** Handlers by exact path; anything else is echoed. */
  readonly routes: Map<string, FakeHandler>;
  /** Resolves with the next request that arrives (before its body is read). */
  nextRequest(): Promise<IncomingMessage>;
  close(): Promise<void>;
}

/** The JSON a fake `/lb/status` answers with (the wire contract's shape). */
export const FAKE_LB_STATUS = { data: exampleLbStatus([exampleBackend()]) };

/**
 * A stand-in load balancer on 127.0.0.1:0: echoes each request (method, url, headers, body size) as
 * JSON, serves `/lb/status`, and lets a test install handlers for particular paths.
 */
export async function startFakeBalancer(): Promise<FakeBalancer> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, FakeHandler>();
  const server = createServer((req, res) => {
    req.on('error', () => {}); // a gateway aborting an upload is part of what tests exercise
    server.emit('test:request', req);
    const handler = routes.get((req.url as string).split('?')[0] as string);
    if (handler) {
      handler(req, res);
      return;
    }
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => {
      bodyBytes += c.length;
    });
    req.on('end', () => {
      const recorded = {
        method: req.method as string,
        url: req.url as string,
        headers: req.headers,
        bodyBytes,
      };
      requests.push(recorded);
      const payload = JSON.stringify(req.url === '/lb/status' ? FAKE_LB_STATUS : recorded);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    routes,
    async nextRequest() {
      const [req] = await once(server, 'test:request');
      return req as IncomingMessage;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
