/** Status classes as reported by the dashboard, indexed by `Math.floor(status / 100)`. */
const CLASS_NAMES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Plain counters behind the admin dashboard and the in-flight gauge (no per-request allocation). */
export class GatewayStats {
  inFlight = 0;
  total = 0;
  readonly #byClass = [0, 0, 0, 0, 0, 0];

  started(): void {
    this.inFlight++;
  }

  finished(status: number): void {
    this.inFlight--;
    this.total++;
    const index = Math.floor(status / 100);
    this.#byClass[index >= 1 && index <= 5 ? index : 5]!++;
  }

  /** Requests finished so far by status class, e.g. `{"2xx": 10, "4xx": 1}`. */
  byStatusClass(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i <= 5; i++) {
      const name = CLASS_NAMES[i] as string;
      out[name] = (out[name] ?? 0) + (this.#byClass[i] as number);
    }
    return out;
  }
}
