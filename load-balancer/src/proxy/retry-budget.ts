/**
 * Caps retries relative to load (Envoy's retry budget): requests in a retry at once may not exceed
 * `ratio` × active requests, but `min` concurrent retries are always allowed so a quiet balancer can
 * still retry. When most requests fail, most of them are not retried: retries cannot multiply load
 * on backends that are already struggling.
 */
export class RetryBudget {
  /** Client requests being proxied now. */
  active = 0;
  /** Of those, requests that are on a retry (counted from their first retry until they end). */
  retrying = 0;
  readonly ratio: number;
  readonly min: number;

  constructor(ratio: number, min: number) {
    this.ratio = ratio;
    this.min = min;
  }

  /** Whether one more request may start retrying now. */
  allows(): boolean {
    const cap = Math.floor(this.active * this.ratio);
    return this.retrying < Math.max(cap, this.min);
  }
}
