/** Latency percentiles, in milliseconds; null until the first sample. */
export interface LatencyPercentiles {
  p50: number | null;
  p99: number | null;
}

/**
 * The last `capacity` latency samples in a fixed-size ring buffer. Recording is a store and an
 * increment (no allocation); percentiles sort a copy into a preallocated scratch buffer, so they cost
 * O(n log n) at read time (status and metrics endpoints), never on the request path.
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  readonly #scratch: Float64Array;
  #next = 0;
  #count = 0;

  /** @param capacity samples kept, @default 1024 */
  constructor(capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#samples = new Float64Array(capacity);
    this.#scratch = new Float64Array(capacity);
  }

  /** Number of samples currently held (at most the capacity). */
  get size(): number {
    return this.#count;
  }

  record(latencyMs: number): void {
    this.#samples[this.#next] = latencyMs;
    this.#next = this.#next + 1 === this.#samples.length ? 0 : this.#next + 1;
    if (this.#count < this.#samples.length) this.#count++;
  }

  /** Nearest-rank percentiles over the window, rounded to 0.01 ms. */
  percentiles(): LatencyPercentiles {
    const n = this.#count;
    if (n === 0) return { p50: null, p99: null };
    const sorted = this.#scratch.subarray(0, n);
    sorted.set(this.#samples.subarray(0, n));
    sorted.sort();
    return { p50: round(sorted[rank(0.5, n)] as number), p99: round(sorted[rank(0.99, n)] as number) };
  }
}

function rank(p: number, n: number): number {
  return Math.max(0, Math.ceil(p * n) - 1);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
