import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** How a component is started: `node --import tsx --conditions=source <entry>` with `env`. */
export interface ChildSpec {
  name: string;
  /** Repository-relative entry file, e.g. "gateway/src/main.ts". */
  entry: string;
  env: Record<string, string>;
}

export interface RunningChild {
  name: string;
  pid: number;
  /** Last lines the process wrote (stdout and stderr), for error reports. */
  tail(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

const TAIL_LINES = 40;

/**
 * The processes the bench started. It stops exactly these, by PID: gracefully (SIGTERM) first,
 * then SIGKILL after a grace period; `killAllSync` is the last resort from a process 'exit' handler.
 */
export class ProcessGroup {
  readonly #root: string;
  readonly #children = new Map<number, { child: ChildProcess; running: RunningChild }>();

  constructor(root: string) {
    this.#root = root;
  }

  start(spec: ChildSpec): RunningChild {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', join(this.#root, spec.entry)],
      { cwd: this.#root, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.entry})`);
    const pid = child.pid;
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
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        this.#children.delete(pid);
        resolve({ code, signal });
      });
    });
    const running: RunningChild = {
      name: spec.name,
      pid,
      tail: () => lines.join('\n'),
      exited,
      hasExited: () => done,
    };
    this.#children.set(pid, { child, running });
    return running;
  }

  /** SIGTERM every child still running, wait up to `graceMs`, then SIGKILL the rest. */
  async stopAll(graceMs = 5000): Promise<void> {
    const entries = [...this.#children.values()];
    for (const { child } of entries) child.kill('SIGTERM');
    const all = Promise.all(entries.map((e) => e.running.exited));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([all.then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const { child } of this.#children.values()) child.kill('SIGKILL');
      await all;
    }
  }

  /** Synchronous SIGKILL of every child still running (for process 'exit', where nothing can wait). */
  killAllSync(): void {
    for (const { child } of this.#children.values()) child.kill('SIGKILL');
  }
}
