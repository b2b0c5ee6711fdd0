import { REQUEST_ID_HEADER } from '@floodgate/shared';
import type { Dispatcher } from 'undici';

/** What the dashboard reports about the balancer: its `/lb/status` JSON, or why it is missing. */
export interface BalancerStatus {
  reachable: boolean;
  status: unknown;
  error?: string;
}

/** Longest the dashboard waits for the balancer. */
const STATUS_TIMEOUT_MS = 2000;

/** Fetches `GET {lbUrl}/lb/status`; never throws (an unreachable balancer is a reported fact). */
export async function fetchBalancerStatus(
  upstream: Pick<Dispatcher, 'request'>,
  basePath: string,
  requestId: string,
): Promise<BalancerStatus> {
  try {
    const { statusCode, body } = await upstream.request({
      path: `${basePath}/lb/status`,
      method: 'GET',
      headers: { [REQUEST_ID_HEADER]: requestId, accept: 'application/json' },
      headersTimeout: STATUS_TIMEOUT_MS,
      bodyTimeout: STATUS_TIMEOUT_MS,
    });
    if (statusCode !== 200) {
      await body.dump();
      return { reachable: true, status: null, error: `status ${statusCode}` };
    }
    return { reachable: true, status: await body.json() };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { reachable: false, status: null, error: typeof code === 'string' ? code : String(err) };
  }
}
