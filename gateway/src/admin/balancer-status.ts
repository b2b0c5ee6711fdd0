import { REQUEST_ID_HEADER } from '@floodgate/shared';
import { type LbStatus, LbStatusAnswer } from '@floodgate/shared/admin-api';
import type { Dispatcher } from 'undici';

/** What the gateway knows of the balancer: its `/lb/status`, or why it is missing. */
export interface BalancerStatus {
  reachable: boolean;
  status: LbStatus | null;
  error: string | null;
}

/** Longest the gateway waits for the balancer's status. */
const STATUS_TIMEOUT_MS = 2000;

/**
 * Fetches `GET {lbUrl}/lb/status` and checks it against the wire contract; never throws (an
 * unreachable balancer, or one answering another shape, is a reported fact).
 */
export async function fetchBalancerStatus(
  upstream: Pick<Dispatcher, 'request'>,
  basePath: string,
  requestId: string,
): Promise<BalancerStatus> {
  let answer: unknown;
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
    answer = await body.json();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { reachable: false, status: null, error: typeof code === 'string' ? code : String(err) };
  }
  const parsed = LbStatusAnswer.safeParse(answer);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'body';
    return { reachable: true, status: null, error: `unexpected /lb/status: ${where}: ${issue?.message}` };
  }
  return { reachable: true, status: parsed.data.data, error: null };
}
