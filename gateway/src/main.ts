import { loadGatewayConfig, runMain } from '@floodgate/shared';
import { createGateway } from './gateway.js';

await runMain(async () => {
  const gateway = await createGateway(loadGatewayConfig());
  await gateway.listen();
  return gateway;
});
