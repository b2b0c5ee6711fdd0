import { z } from 'zod';
import { BackendId, CircuitState } from './backends.js';
import { Count, dataOf, pageOf, Timestamp } from './envelope.js';

/** A backend's circuit breaker (`/lb/admin/circuit-breakers`). */
export const CircuitBreakerStatus = z
  .object({
    backendId: BackendId,
    circuitState: CircuitState,
    forced: z
      .boolean()
      .meta({ description: 'Opened by an operator: stays open, without trials, until closed or reset.' }),
    consecutiveFailures: Count,
    window: z
      .object({ requests: Count, failures: Count })
      .meta({ description: 'The rolling window: recorded outcomes and the failures among them.' }),
    openedAt: Timestamp.nullable().meta({ description: 'When it last opened; null if it never did.' }),
    options: z.object({
      failureThreshold: Count,
      resetTimeoutMs: Count,
      errorThresholdPercentage: z.number().min(0).max(100),
      volumeThreshold: Count,
      rollingWindowMs: Count,
      halfOpenRequests: Count,
    }),
  })
  .meta({ id: 'CircuitBreakerStatus' });
export type CircuitBreakerStatus = z.infer<typeof CircuitBreakerStatus>;

export const CircuitBreakerPage = pageOf(CircuitBreakerStatus, 'CircuitBreakerPage');
export type CircuitBreakerPage = z.infer<typeof CircuitBreakerPage>;
export const CircuitBreakerAnswer = dataOf(CircuitBreakerStatus, 'CircuitBreakerAnswer');
export type CircuitBreakerAnswer = z.infer<typeof CircuitBreakerAnswer>;
