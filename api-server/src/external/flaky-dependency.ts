import { type Clock, systemClock } from '@floodgate/shared';

export interface ExternalData {
  value: number;
  fetchedAt: string;
}

export interface FlakyDependencyOptions {
  /** Probability (0..1) that a call fails. */
  failureRate: number;
  /** Time each call takes before it answers or fails. */
  latencyMs: number;
  /** Uniform [0, 1) source; inject a fixed one in tests. @default Math.random */
  random?: () => number;
  clock?: Clock;
}

/** A call to a simulated third-party service that fails at random and takes `latencyMs`. */
export type FlakyDependency = () => Promise<ExternalData>;

export function createFlakyDependency(options: FlakyDependencyOptions): FlakyDependency {
  const { failureRate, latencyMs } = options;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  return () =>
    new Promise<ExternalData>((resolve, reject) => {
      const fails = random() < failureRate;
      const answer = () => {
        if (fails) reject(new Error('simulated dependency failure'));
        else
          resolve({
            value: Math.floor(random() * 1_000_000),
            fetchedAt: new Date(clock.now()).toISOString(),
          });
      };
      if (latencyMs > 0) clock.setTimeout(answer, latencyMs);
      else answer();
    });
}
