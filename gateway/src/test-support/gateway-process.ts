import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '@floodgate/shared/testing/index';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A gateway running as its own OS process (`node --import tsx --conditions=source gateway/src/main.ts`). */
export interface GatewayProcess {
  port: number;
  pid: number;
  /** Everything it wrote to stderr and stdout so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a gateway process on a free port with exactly `env` (plus PATH/HOME) and waits for /health. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await getFreePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'gateway/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SHUTDOWN_TIMEOUT_MS: '1000',
        ...env,
        GATEWAY_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // If the test process dies without stopping us, the gateway must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output = (output + String(c)).slice(-20_000);
  });
  child.stderr?.on('data', (c: Buffer) => {
    output = (output + String(c)).slice(-20_000);
  });
  const exited = once(child, 'exit');
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway on :${port} not healthy in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid as number,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
