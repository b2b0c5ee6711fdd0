import { Agent, request } from 'undici';

/**
 * What one probe saw: `pass` (2xx), `fail` (another status or a transport error), `timeout`, or
 * `shutting_down` (503 with the `SHUTTING_DOWN` envelope code: the instance is stopping).
 */
export type ProbeVerdict = 'pass' | 'fail' | 'timeout' | 'shutting_down';

export interface ProbeOutcome {
  verdict: ProbeVerdict;
  /** HTTP status when an answer arrived. */
  status?: number;
}

/** Probes `url`; must settle (never throw) and stop when `signal` aborts. */
export type Probe = (url: string, signal: AbortSignal) => Promise<ProbeOutcome>;

/** Bytes of a 503 body read to look for the shutting-down code. */
const MAX_BODY_BYTES = 4096;

/**
 * An HTTP GET probe over its own connections (never the traffic pool: a saturated pool must not make
 * a backend look dead), one fresh connection per probe (`reset`), so a backend that stopped
 * accepting connections fails even while old keep-alive sockets still answer. undici's own
 * timeouts are off: the checker aborts through `signal` on its clock.
 */
export function createHttpProbe(): { probe: Probe; close(): Promise<void> } {
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, connections: 4 });
  const probe: Probe = async (url, signal) => {
    try {
      const res = await request(url, {
        dispatcher: agent,
        method: 'GET',
        signal,
        reset: true,
        headers: { 'user-agent': 'floodgate-load-balancer/health-check', accept: 'application/json' },
      });
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        await res.body.dump();
        return { verdict: 'pass', status };
      }
      if (status === 503 && (await isShuttingDown(res.body))) return { verdict: 'shutting_down', status };
      await res.body.dump();
      return { verdict: 'fail', status };
    } catch {
      return { verdict: signal.aborted ? 'timeout' : 'fail' };
    }
  };
  return { probe, close: () => agent.close() };
}

async function isShuttingDown(body: AsyncIterable<Buffer> & { dump(): Promise<void> }): Promise<boolean> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) break;
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: unknown } };
    return parsed?.error?.code === 'SHUTTING_DOWN';
  } catch {
    return false;
  }
}
