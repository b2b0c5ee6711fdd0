import { loadGatewayConfig } from '@floodgate/shared';
import { createCaptureLogger } from '@floodgate/shared/testing';
import { createGateway, type Gateway, type GatewayDeps } from '../gateway.js';

export interface TestGateway {
  gateway: Gateway;
  port: number;
  /** Parsed log lines so far. */
  logs(): Record<string, unknown>[];
  /** Everything logged, raw (to assert what never appears). */
  rawLogs(): string;
  close(): Promise<void>;
}

/**
 * A real gateway on 127.0.0.1:0 configured only from `env` (never the process environment),
 * logging into memory.
 */
export async function startTestGateway(
  env: Record<string, string>,
  deps: Omit<GatewayDeps, 'logger'> = {},
): Promise<TestGateway> {
  const config = loadGatewayConfig({
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    SHUTDOWN_TIMEOUT_MS: '1000',
    ...env,
  });
  const capture = createCaptureLogger('gateway');
  const gateway = await createGateway(config, { ...deps, logger: capture.logger });
  const port = await gateway.listen();
  return { gateway, port, logs: capture.lines, rawLogs: capture.raw, close: () => gateway.close() };
}
