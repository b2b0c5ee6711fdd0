import { getFreePort, startNodeProcess, type TestProcess } from '@floodgate/shared/testing';

/** A gateway running as its own OS process (`gateway/src/main.ts` from source). */
export interface GatewayProcess extends TestProcess {
  port: number;
}

/** Starts a gateway process on a free port with exactly `env` (plus PATH/HOME) and waits for /health. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await getFreePort();
  const gateway = startNodeProcess('gateway/src/main.ts', {
    name: `gateway :${port}`,
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '1000',
      ...env,
      GATEWAY_PORT: String(port),
    },
  });
  await gateway.waitForHttp(`http://127.0.0.1:${port}/health`).catch(async (err: unknown) => {
    await gateway.kill(); // the caller never gets it to stop
    throw err;
  });
  return Object.assign(gateway, { port });
}
