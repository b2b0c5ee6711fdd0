import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** SIGTERM (SIGKILL after 3 s); resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL; resolves when the process has exited. */
  kill(): Promise<void>;
}

/**
 * Runs api-server/src/main.ts as its own OS process on 127.0.0.1 with a free port; resolves once
 * it logs that it is listening (so LOG_LEVEL is always info). `env` is all it gets besides PATH.
 */
export async function startApiProcess(instanceId: string, env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN], {
    env: {
      PATH: process.env.PATH,
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const onErr = (d: Buffer) => {
    if (err.length < 20_000) err += d;
  };
  child.stderr?.on('data', onErr);
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /"port":(\d+),[^\n]*api-server listening/.exec(out);
      if (m) {
        out = '';
        // Keep draining stdout (request logs) so the child never blocks on a full pipe.
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stdout?.on('data', () => {});
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${instanceId} exited with ${code}: ${err}${out}`)));
  });
  const exited = once(child, 'exit').then(() => {});
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}
