import { request } from 'node:http';

/**
 * One GET without connection reuse: resolves with the status code, or null when the server
 * cannot be reached or does not answer within `timeoutMs`. Never rejects.
 */
export function probeHttp(url: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null) => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
    let req: ReturnType<typeof request>;
    try {
      req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
        res.resume();
        done(res.statusCode ?? null);
      });
    } catch {
      done(null);
      return;
    }
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(null));
    req.end();
  });
}
