import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, startNodeProcess } from '@floodgate/shared/testing';

export interface Stack {
  gatewayUrl: string;
  lbUrl: string;
  apiUrls: string[];
  /** Everything the supervisor printed so far (its banner and its children's lines). */
  output(): string;
  /** Resolves when a line matching `pattern` has been printed (or rejects after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  pid: number;
  /** SIGTERM; resolves with the supervisor's exit code. */
  stop(): Promise<number | null>;
}

export interface StackOptions {
  embedded?: boolean;
  env?: Record<string, string>;
}

/**
 * Starts `floodgate up` on free ports, exactly as a user would, and waits for its ready line.
 * The caller owns the stack and must stop() it.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [gatewayPort, lbPort, a1, a2, a3] = await Promise.all(Array.from({ length: 5 }, getFreePort));
  const dataDir = await mkdtemp(join(tmpdir(), 'floodgate-e2e-'));
  const supervisor = startNodeProcess('cli/src/main.ts', {
    name: 'floodgate up',
    args: options.embedded ? ['up', '--embedded'] : ['up'],
    env: {
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      GATEWAY_PORT: String(gatewayPort),
      LB_PORT: String(lbPort),
      FLOODGATE_API_PORTS: `${a1},${a2},${a3}`,
      FLOODGATE_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      ...options.env,
    },
  });
  const stop = async () => {
    const { code } = await supervisor.stop(30_000);
    await rm(dataDir, { recursive: true, force: true });
    return code;
  };
  try {
    await supervisor.waitForOutput(/^ready in /m, 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    lbUrl: `http://127.0.0.1:${lbPort}`,
    apiUrls: [a1, a2, a3].map((p) => `http://127.0.0.1:${p}`),
    output: () => supervisor.output(),
    waitForOutput: async (pattern, timeoutMs = 60_000) =>
      (await supervisor.waitForOutput(pattern, timeoutMs))[0],
    pid: supervisor.pid,
    stop,
  };
}
