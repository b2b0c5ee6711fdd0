import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = resolve(import.meta.dirname, '../../..');
/** Loaded into every child: when this test process dies (even by SIGKILL), the child stops itself. */
const WATCHDOG = pathToFileURL(resolve(REPO, 'cli/src/supervisor/parent-watchdog.ts')).href;
const TAIL_LINES = 60;

/** A component (`<workspace>/src/main.ts`) running as a child process of the test. */
export interface ChildService {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  tail(): string;
}

/**
 * Starts `node --import tsx --conditions=source <entry>` with exactly `env`, over an IPC channel
 * watched by the supervisor's parent watchdog, so no child outlives the test process.
 */
export function startChildService(name: string, entry: string, env: Record<string, string>): ChildService {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', WATCHDOG, '--conditions=source', resolve(REPO, entry)],
    { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  if (child.pid === undefined) throw new Error(`could not start ${name} (${entry})`);
  child.channel?.unref();
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
    child.once('exit', (code, signal) => {
      done = true;
      r({ code, signal });
    });
  });
  return { name, pid: child.pid, exited, hasExited: () => done, tail: () => lines.join('\n') };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Only for processes the test started. */
export async function stopChildService(child: ChildService, graceMs: number): Promise<void> {
  if (child.hasExited()) return;
  process.kill(child.pid, 'SIGCONT');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (!child.hasExited()) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}
