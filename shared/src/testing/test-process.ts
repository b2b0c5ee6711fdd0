import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeSourceArgs } from '../process/node-source-args.js';

/** The repository root; relative entries are resolved against it. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TestProcessOptions {
  /** Names the process in error messages. @default the entry or the command */
  name?: string;
  /** The child's environment besides PATH and HOME: nothing else is inherited. */
  env?: Record<string, string | undefined>;
  /** @default REPO_ROOT */
  cwd?: string;
}

/** A process a test started; it never outlives the test process. */
export interface TestProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** The last MiB it wrote (stdout and stderr together), for assertions and failure messages. */
  output(): string;
  /**
   * Resolves with the first match of `pattern` in the output (waiting for it to be written);
   * rejects with the output so far when the process exits first or after `timeoutMs` (60 s).
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Resolves with `performance.now()` at the first 2xx answer to GET `url`; rejects like
   * waitForOutput, saying what the last try got.
   */
  waitForHttp(url: string, timeoutMs?: number): Promise<number>;
  /** SIGSTOP: it keeps its sockets and answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** SIGTERM (after SIGCONT, should it be frozen), SIGKILL after `graceMs`; resolves with the exit. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL; resolves with the exit. */
  kill(): Promise<ProcessExit>;
}

const OUTPUT_LIMIT = 1024 * 1024;
const POLL_MS = 25;
/** How long a process may take to get ready by default: tsx and PGlite start slowly on a busy machine. */
const START_TIMEOUT_MS = 60_000;
/** Linux: lets a non-node child receive SIGKILL when the test process dies (PR_SET_PDEATHSIG). */
const SETPRIV = '/usr/bin/setpriv';

/** Children still running; SIGKILLed if the test process exits while they run. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs `entry` (a TypeScript file, absolute or relative to the repository root) with node from
 * source, under the parent watchdog: it stops itself (SIGTERM) when the test process dies, even by
 * SIGKILL.
 */
export function startNodeProcess(
  entry: string,
  options: TestProcessOptions & { args?: readonly string[] } = {},
): TestProcess {
  const file = isAbsolute(entry) ? entry : resolve(REPO_ROOT, entry);
  const name = options.name ?? entry;
  return launch(process.execPath, nodeSourceArgs(file, options.args), { ...options, name }, true);
}

/**
 * Runs a program that is not node (redis-server, say). On Linux it gets SIGKILL when the test
 * process dies (`setpriv --pdeathsig`, which execs the program, so `pid` is the program's own);
 * elsewhere only when the test process exits normally.
 */
export function startTestProcess(
  command: string,
  args: readonly string[],
  options: TestProcessOptions = {},
): TestProcess {
  const name = options.name ?? command;
  if (process.platform === 'linux' && existsSync(SETPRIV)) {
    return launch(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], { ...options, name }, false);
  }
  return launch(command, args, { ...options, name }, false);
}

/** Runs `entry` like startNodeProcess and resolves when it exits, with everything it wrote. */
export async function runNodeProcess(
  entry: string,
  args: readonly string[],
  options: TestProcessOptions = {},
): Promise<ProcessExit & { stdout: string; stderr: string }> {
  const file = isAbsolute(entry) ? entry : resolve(REPO_ROOT, entry);
  const child = spawn(process.execPath, nodeSourceArgs(file, args), {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += String(c);
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += String(c);
  });
  const exit = await new Promise<ProcessExit>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code, signal) => done({ code, signal }));
  }).finally(() => running.delete(child));
  return { ...exit, stdout, stderr };
}

/** True while a process with `pid` exists (signal 0 only checks; nothing is sent). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childEnv(env: TestProcessOptions['env']): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

function launch(
  command: string,
  args: readonly string[],
  options: TestProcessOptions & { name: string },
  ipc: boolean,
): TestProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  running.add(child);
  return new SpawnedProcess(child, child.pid, options.name);
}

/**
 * A running child. Its handles do not keep the test process alive (a test that fails before it
 * stops its children must not hang its file; the exit hook and the watchdog stop them), except
 * while someone waits for it: `exited`, `stop()`, `kill()`.
 */
class SpawnedProcess implements TestProcess {
  readonly name: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<ProcessExit>;
  #output = '';
  #done = false;
  #stopping: Promise<ProcessExit> | null = null;
  /** How many waits hold the child's handle referenced. */
  #holds = 0;
  /** Called on every chunk of output and on exit. */
  readonly #watchers = new Set<() => void>();

  constructor(child: ChildProcess, pid: number, name: string) {
    this.name = name;
    this.pid = pid;
    this.#child = child;
    child.unref();
    for (const stream of [child.stdout, child.stderr, child.channel]) {
      (stream as { unref?: () => void } | null | undefined)?.unref?.();
    }
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
      for (const watcher of this.#watchers) watcher();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((settle) => {
      child.once('exit', (code, signal) => {
        this.#done = true;
        running.delete(child);
        for (const watcher of this.#watchers) watcher();
        settle({ code, signal });
      });
    });
  }

  /** Resolves when the process has exited; while awaited, the test process stays alive for it. */
  get exited(): Promise<ProcessExit> {
    if (this.#done) return this.#exited;
    if (this.#holds++ === 0) this.#child.ref();
    return this.#exited.finally(() => {
      if (--this.#holds === 0) this.#child.unref();
    });
  }

  hasExited(): boolean {
    return this.#done;
  }

  output(): string {
    return this.#output;
  }

  waitForOutput(pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<RegExpMatchArray> {
    return new Promise((settle, fail) => {
      const finish = (outcome: RegExpMatchArray | Error) => {
        this.#watchers.delete(watcher);
        clearTimeout(timer);
        if (outcome instanceof Error) fail(outcome);
        else settle(outcome);
      };
      const watcher = () => {
        const match = this.#output.match(pattern);
        if (match) finish(match);
        else if (this.#done) finish(this.#failure(`exited before printing ${pattern}`));
      };
      const timer = setTimeout(
        () => finish(this.#failure(`did not print ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#watchers.add(watcher);
      watcher();
    });
  }

  async waitForHttp(url: string, timeoutMs = START_TIMEOUT_MS): Promise<number> {
    // Polling is the only way to learn that a port started listening; the deadline bounds it.
    const deadline = performance.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      if (this.#done) throw this.#failure(`exited before ${url} answered 2xx (${last})`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) return performance.now();
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (performance.now() > deadline)
        throw this.#failure(`did not answer ${url} 2xx within ${timeoutMs} ms (${last})`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  freeze(): void {
    this.#signal('SIGSTOP');
  }

  thaw(): void {
    this.#signal('SIGCONT');
  }

  stop(graceMs = 3000): Promise<ProcessExit> {
    this.#stopping ??= (async () => {
      this.#signal('SIGCONT');
      this.#signal('SIGTERM');
      const timer = setTimeout(() => this.#signal('SIGKILL'), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    })();
    return this.#stopping;
  }

  kill(): Promise<ProcessExit> {
    this.#signal('SIGKILL');
    return this.exited;
  }

  /** Signals only a process still running: its pid is never reused for someone else's. */
  #signal(signal: NodeJS.Signals): void {
    if (!this.#done) process.kill(this.pid, signal);
  }

  #failure(what: string): Error {
    return new Error(`${this.name} (pid ${this.pid}) ${what}; its output:\n${this.#output.slice(-8000)}`);
  }
}
