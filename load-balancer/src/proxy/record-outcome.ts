import type { RetryReason } from '../metrics/load-balancer-metrics.js';
import type { ProxyDeps } from './proxy-deps.js';
import type { UpstreamAttempt } from './upstream-attempt.js';

/**
 * The one place a try's outcome is reported, once per try that says something about its backend:
 * `outcome` is the answer's status (when its headers arrive) or `NO_RESPONSE` (it failed before
 * them). It updates the backend's counters and latency window, its breaker, the upstream metrics,
 * and, when `retried` names why the try is being repeated on another backend, the retry counters.
 *
 * What happens after the headers (a body cut short) does not change the try's outcome. A try that
 * ends without one (the client went away, the request could not be sent) is not counted anywhere;
 * `UpstreamAttempt` frees its breaker trial slot. The client request itself is counted once, by
 * `recordProxied`, and in the retry budget when it arrives.
 */
export function recordOutcome(
  deps: ProxyDeps,
  attempt: UpstreamAttempt,
  outcome: number,
  retried: RetryReason | null,
): void {
  attempt.recorded = true;
  const backend = attempt.backend;
  const latencyMs = deps.clock.monotonic() - attempt.startMs;
  backend.recordOutcome(outcome, latencyMs, attempt.token);
  deps.metrics.recordUpstream(backend, outcome, latencyMs);
  if (retried !== null) {
    backend.retries++;
    deps.metrics.recordRetry(retried);
  }
}
