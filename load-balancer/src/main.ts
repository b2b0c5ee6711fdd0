import { loadLoadBalancerConfig, runMain } from '@floodgate/shared';
import { createLoadBalancer } from './load-balancer.js';

await runMain(async () => {
  const lb = createLoadBalancer(loadLoadBalancerConfig());
  await lb.listen();
  return lb;
});
