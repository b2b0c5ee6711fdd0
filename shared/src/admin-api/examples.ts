import type { BackendStatus } from './backends.js';
import type { CacheInstanceStats } from './cache.js';
import type { CircuitBreakerStatus } from './circuit-breakers.js';
import type { LbStatus } from './lb-status.js';

// Valid example answers for tests and stand-in servers (each schema parses them); override fields as needed.

export function exampleBackend(overrides: Partial<BackendStatus> = {}): BackendStatus {
  return {
    id: 'api-1',
    url: 'http://127.0.0.1:3001',
    weight: 1,
    healthy: true,
    circuitState: 'closed',
    draining: false,
    available: true,
    inFlight: 0,
    requests: 0,
    failures: 0,
    retries: 0,
    webSockets: 0,
    latency: { p50Ms: null, p99Ms: null },
    ...overrides,
  };
}

export function exampleLbStatus(backends: BackendStatus[], overrides: Partial<LbStatus> = {}): LbStatus {
  return {
    algorithm: 'round-robin',
    startedAt: '2026-01-01T00:00:00.000Z',
    uptimeMs: 5000,
    backends,
    ...overrides,
  };
}

export function exampleCircuitBreaker(overrides: Partial<CircuitBreakerStatus> = {}): CircuitBreakerStatus {
  return {
    backendId: 'api-1',
    circuitState: 'closed',
    forced: false,
    consecutiveFailures: 0,
    window: { requests: 0, failures: 0 },
    openedAt: null,
    options: {
      failureThreshold: 5,
      resetTimeoutMs: 30_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 20,
      rollingWindowMs: 10_000,
      halfOpenRequests: 1,
    },
    ...overrides,
  };
}

/** An api-server's cache stats with every counter at zero but the given L1/L2 hits and misses. */
export function exampleCacheStats(
  instanceId: string,
  counts: { l1Hits?: number; l1Misses?: number; l2Hits?: number; l2Misses?: number } = {},
): CacheInstanceStats {
  const { l1Hits = 0, l1Misses = 0, l2Hits = 0, l2Misses = 0 } = counts;
  return {
    instanceId,
    enabled: true,
    coherence: {
      bus: 'up',
      session: 1,
      leaseValid: true,
      leaseRemainingMs: 1000,
      members: 2,
      pendingWrites: 0,
    },
    l1: {
      entries: 3,
      bytes: 100,
      maxEntries: 10_000,
      maxBytes: 1 << 20,
      hits: l1Hits,
      misses: l1Misses,
      bypasses: 0,
      evictions: 0,
    },
    l2: {
      configured: true,
      available: true,
      connection: 'ready',
      trusted: true,
      hits: l2Hits,
      misses: l2Misses,
      bypasses: 0,
      errors: 0,
    },
    loads: { ok: l2Misses, error: 0 },
    coalesced: 0,
    staleServed: 0,
    lockWaits: { l2Hit: 0, acquired: 0, timeout: 0 },
    invalidations: { local: 0, remote: 0 },
    writeWaits: { acked: 0, leaseExpired: 0, fallback: 0, none: 0 },
  };
}
