import { type Clock, loadLoadBalancerConfig } from '@floodgate/shared';
import { createCaptureLogger } from '@floodgate/shared/testing';
import type { Probe } from '../health/http-probe.js';
import { createLoadBalancer, type LoadBalancer } from '../load-balancer.js';

export interface TestLoadBalancer {
  lb: LoadBalancer;
  url: string;
  port: number;
  /** Parsed log lines written so far. */
  logLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestLoadBalancerOptions {
  clock?: Clock;
  /**
   * The health-check probe. By default a stub that always passes, so probes never reach (or count
   * as hits on) the test backends; 'http' for the real HTTP probe.
   */
  probe?: Probe | 'http';
}

const alwaysPasses: Probe = async () => ({ verdict: 'pass', status: 200 });

/** A load balancer on 127.0.0.1:0 in front of `backendUrls`, logging into memory. */
export async function startTestLoadBalancer(
  backendUrls: readonly string[],
  env: Record<string, string> = {},
  options: TestLoadBalancerOptions = {},
): Promise<TestLoadBalancer> {
  const config = loadLoadBalancerConfig({
    HOST: '127.0.0.1',
    LB_PORT: '0',
    API_SERVERS: backendUrls.join(','),
    SHUTDOWN_TIMEOUT_MS: '1000',
    ...env,
  });
  const { logger, lines } = createCaptureLogger('load-balancer');
  const probe = options.probe ?? alwaysPasses;
  const lb = createLoadBalancer(config, {
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(probe === 'http' ? {} : { probe }),
  });
  const port = await lb.listen();
  return { lb, url: `http://127.0.0.1:${port}`, port, logLines: lines, close: () => lb.close() };
}
