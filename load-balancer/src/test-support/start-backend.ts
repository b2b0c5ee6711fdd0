import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from '@floodgate/shared';

/** What the default test backend answers: who it is and what it received. */
export interface EchoBody {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  bodySha256: string;
}

export interface TestBackend {
  id: string;
  url: string;
  port: number;
  server: Server;
  /** Requests received so far. */
  readonly hits: number;
  close(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Reads the whole body and answers with an EchoBody (JSON). */
export function echoHandler(id: string): BackendHandler {
  return (req, res) => {
    const hash = createHash('sha256');
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const body: EchoBody = {
        id,
        method: req.method as string,
        url: req.url as string,
        headers: req.headers,
        bodyBytes,
        bodySha256: hash.digest('hex'),
      };
      const payload = JSON.stringify(body);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  };
}

/**
 * A real HTTP backend on 127.0.0.1:0 answering with `handler` (the echo handler by default).
 * `close()` drops idle and open connections first, so it never waits on a held-open response.
 */
export async function startBackend(
  id: string,
  handler: BackendHandler = echoHandler(id),
): Promise<TestBackend> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    id,
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
