import { startNodeProcess, type TestProcess } from '@floodgate/shared/testing';

/** An api-server running as its own OS process (`api-server/src/main.ts` from source). */
export interface ApiProcess extends TestProcess {
  port: number;
  baseUrl: string;
}

/**
 * Runs api-server/src/main.ts as its own process on 127.0.0.1 with a free port; resolves once it
 * logs that it is listening (so LOG_LEVEL is always info). `env` is all it gets besides PATH/HOME.
 */
export async function startApiProcess(instanceId: string, env: Record<string, string>): Promise<ApiProcess> {
  const api = startNodeProcess('api-server/src/main.ts', {
    name: instanceId,
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      INSTANCE_ID: instanceId,
      SHUTDOWN_TIMEOUT_MS: '2000',
      // Tests stop processes directly, with no balancer to warn first.
      SHUTDOWN_DELAY_MS: '0',
      ...env,
      // The "listening" line (info) tells us the port.
      LOG_LEVEL: 'info',
    },
  });
  const [, port] = await api
    .waitForOutput(/"port":(\d+),[^\n]*api-server listening/)
    .catch(async (err: unknown) => {
      await api.kill(); // the caller never gets it to stop
      throw err;
    });
  return Object.assign(api, { port: Number(port), baseUrl: `http://127.0.0.1:${port}` });
}
