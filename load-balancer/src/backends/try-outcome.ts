/**
 * How one try on a backend ended, as its counters, its breaker and the metrics see it: the status
 * of the backend's answer, or `NO_RESPONSE` when none came. A number, so recording allocates nothing.
 */

/** The outcome of a try that got no answer: refused, reset, timed out or otherwise cut before its headers. */
export const NO_RESPONSE = 0;

/** Whether a try's outcome counts against its backend: no answer or a 5xx (a 4xx is the client's doing). */
export function isFailure(outcome: number): boolean {
  return outcome === NO_RESPONSE || outcome >= 500;
}
