import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getFreePort } from '@floodgate/shared/testing/index';

const REPO = resolve(import.meta.dirname, '../../..');

export interface Stack {
  gatewayUrl: string;
  lbUrl: string;
  apiUrls: string[];
  /** Everything the supervisor printed so far (its banner and its children's lines). */
  output(): string;
  /** Resolves when a line matching `pattern` has been printed (or rejects after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  pid: number;
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
  const args = ['--import', 'tsx', '--conditions=source', join(REPO, 'cli/src/main.ts'), 'up'];
  if (options.embedded) args.push('--embedded');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    GATEWAY_PORT: String(gatewayPort),
    LB_PORT: String(lbPort),
    FLOODGATE_API_PORTS: `${a1},${a2},${a3}`,
    FLOODGATE_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    ...options.env,
  };
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const waitForOutput = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolvePromise, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolvePromise(m[0]);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out.slice(-4000)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exited;
    await rm(dataDir, { recursive: true, force: true });
    return code;
  };

  try {
    await Promise.race([
      waitForOutput(/^ready in /m, 90_000),
      exited.then((code) => {
        throw new Error(`floodgate up exited early with ${code}:\n${out.slice(-4000)}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    lbUrl: `http://127.0.0.1:${lbPort}`,
    apiUrls: [a1, a2, a3].map((p) => `http://127.0.0.1:${p}`),
    output: () => out,
    waitForOutput,
    pid: child.pid as number,
    stop,
  };
}
