import { DEV_DEMO_KEYS } from '@floodgate/database';

/** The processes a scenario can send its load to. */
export type Entry = 'api' | 'lb' | 'gateway' | 'gateway-bare';

/** What the running bench stack offers a scenario. */
export interface StackInfo {
  /** Base URLs (http://127.0.0.1:<port>) of api-server #1, the load balancer and the gateway. */
  urls: Readonly<Record<Entry, string>>;
  /** Whether the stack shares the machine's Redis (rate limits, L2 cache) or runs in-process. */
  redis: boolean;
}

/** One request shape to drive, built once before the run. */
export interface RequestSetup {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Published targets (blueprint §12) a row is compared against; absent = not budgeted. */
export interface Budget {
  /** Minimum RPS as a fraction of the direct api-server in the same run. */
  minRatio?: number;
  /** Maximum CPU microseconds per request in the process that receives the load. */
  maxHopCpuMicros?: number;
}

export interface Scenario {
  /** Row label and key in the JSON results. */
  name: string;
  entry: Entry;
  /**
   * The scenario this one adds exactly one hop to; "added latency per hop" is measured against it.
   * Undefined for the baseline (the direct api-server).
   */
  base?: string;
  budget?: Budget;
  /** Builds the request (e.g. creates an API key); runs once, after the stack is healthy. */
  prepare(stack: StackInfo): Promise<RequestSetup> | RequestSetup;
}

const STATUS: RequestSetup = { path: '/api/v1/status' };

/**
 * Rows of the bench, in run order. The first is the baseline every ratio is computed against.
 * Later issues add rows here (gateway with an API key and the Redis limit, cache hit ratios).
 */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'direct api-server', entry: 'api', prepare: () => STATUS },
  {
    name: 'load balancer',
    entry: 'lb',
    base: 'direct api-server',
    budget: { minRatio: 0.28, maxHopCpuMicros: 80 },
    prepare: () => STATUS,
  },
  {
    name: 'gateway (anonymous)',
    entry: 'gateway',
    base: 'load balancer',
    budget: { minRatio: 0.22, maxHopCpuMicros: 87 },
    prepare: () => STATUS,
  },
  {
    name: 'gateway (limiter off)',
    entry: 'gateway-bare',
    base: 'load balancer',
    prepare: () => STATUS,
  },
  {
    // Key auth + the Redis sliding-window limit (leases for this busy key); target: RPS >= 0.85x the
    // limiter-off row of the same run.
    name: 'gateway (API key + Redis limit)',
    entry: 'gateway',
    base: 'gateway (limiter off)',
    budget: { minRatio: 0.22, maxHopCpuMicros: 87 },
    prepare: () => ({ ...STATUS, headers: { 'x-api-key': enterpriseDemoKey() } }),
  },
];

/** The dev seed's enterprise demo key (the bench gateway uses the dev API key secret). */
function enterpriseDemoKey(): string {
  const demo = DEV_DEMO_KEYS.find((k) => k.tier === 'enterprise');
  if (!demo) throw new Error('no enterprise demo key in the dev seed');
  return demo.key;
}
