import { loadLoadBalancerConfig } from '@floodgate/shared';
import { createCaptureLogger } from '@floodgate/shared/testing/index';
import { createLoadBalancer, type LoadBalancer } from '../load-balancer.js';

export interface TestLoadBalancer {
  lb: LoadBalancer;
  url: string;
  /** Parsed log lines written so far. */
  logLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A load balancer on 127.0.0.1:0 in front of `backendUrls`, logging into memory. */
export async function startTestLoadBalancer(
  backendUrls: readonly string[],
  env: Record<string, string> = {},
): Promise<TestLoadBalancer> {
  const config = loadLoadBalancerConfig({
    HOST: '127.0.0.1',
    LB_PORT: '0',
    API_SERVERS: backendUrls.join(','),
    SHUTDOWN_TIMEOUT_MS: '1000',
    ...env,
  });
  const { logger, lines } = createCaptureLogger('load-balancer');
  const lb = createLoadBalancer(config, { logger });
  const port = await lb.listen();
  return { lb, url: `http://127.0.0.1:${port}`, logLines: lines, close: () => lb.close() };
}
