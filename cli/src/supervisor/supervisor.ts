import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import {
  type Clock,
  type ClockTimer,
  type IpcEventMessage,
  isIpcEventMessage,
  systemClock,
} from '@floodgate/shared';
import { probeHttp } from './probe-http.js';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';

/** One process the supervisor keeps running. */
export interface ChildProcessSpec {
  /** Short name, used as the output prefix: `[api-1] ...`. */
  name: string;
  command: string;
  args: readonly string[];
  /** The child's complete environment: nothing is inherited implicitly. */
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Polled by waitUntilReady(); any 2xx answer means ready. */
  healthUrl?: string;
}

export interface SupervisorOptions {
  children: readonly ChildProcessSpec[];
  /** Receives every line: child output (prefixed) and the supervisor's own messages. @default stdout */
  output?: (line: string) => void;
  clock?: Clock;
  restart?: RestartPolicyOptions;
  /** How long stop() waits after SIGTERM before it SIGKILLs what is left. @default 10000 */
  stopTimeoutMs?: number;
}

export interface ChildExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the supervisor was stopping it; false for a crash. */
  expected: boolean;
}

export interface ReadyResult {
  ready: boolean;
  /** Names of children that did not answer their health URL in time. */
  pending: string[];
}

interface SupervisorEvents {
  'child:spawned': [{ name: string; pid: number }];
  'child:exited': [ChildExit];
  'child:restart-scheduled': [{ name: string; delayMs: number; attempt: number }];
  'child:killed': [{ name: string; pid: number }];
  stopped: [];
}

class Supervised {
  process: ChildProcess | null = null;
  restartTimer: ClockTimer | null = null;
  /** Resolves when the current process has exited. */
  exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: ChildProcessSpec,
    readonly policy: RestartPolicy,
  ) {}
}

/**
 * Runs a set of child processes: passes their output through line by line with a name prefix,
 * restarts a child that exits unexpectedly (exponential backoff, see RestartPolicy) and stops them
 * all with SIGTERM, then SIGKILL after a deadline. Children get their own process group (so a
 * terminal's Ctrl-C reaches only the supervisor, which then stops them in order) and an IPC channel
 * (see shared's parent-watchdog.ts); if the supervisor's process exits while children run, they are SIGKILLed.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly #children: Supervised[];
  readonly #output: (line: string) => void;
  readonly #clock: Clock;
  readonly #stopTimeoutMs: number;
  #started = false;
  #stopping = false;
  #stopPromise: Promise<void> | null = null;
  readonly #onProcessExit = () => this.#killAllNow();

  constructor(options: SupervisorOptions) {
    super();
    const names = new Set<string>();
    for (const spec of options.children) {
      if (names.has(spec.name)) throw new Error(`Supervisor: duplicate child name "${spec.name}"`);
      names.add(spec.name);
    }
    this.#clock = options.clock ?? systemClock;
    this.#children = options.children.map(
      (spec) => new Supervised(spec, new RestartPolicy(options.restart, this.#clock)),
    );
    this.#output = options.output ?? ((line) => process.stdout.write(`${line}\n`));
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  /** Starts every child. */
  start(): void {
    if (this.#started) throw new Error('Supervisor already started');
    this.#started = true;
    process.on('exit', this.#onProcessExit);
    for (const child of this.#children) this.#spawn(child);
  }

  /** PIDs of the children currently running, by name. */
  pids(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.#children) if (c.process?.pid !== undefined) out.set(c.spec.name, c.process.pid);
    return out;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * Resolves once every child with a health URL answers 2xx, or after `timeoutMs` with the names of
   * those that did not. Stops polling early if the supervisor is stopped.
   */
  async waitUntilReady(timeoutMs: number, intervalMs = 250): Promise<ReadyResult> {
    const deadline = this.#clock.monotonic() + timeoutMs;
    const pending = new Set(this.#children.filter((c) => c.spec.healthUrl).map((c) => c.spec.name));
    while (pending.size > 0 && !this.#stopping) {
      await Promise.all(
        this.#children
          .filter((c) => pending.has(c.spec.name) && c.process)
          .map(async (c) => {
            const status = await probeHttp(c.spec.healthUrl as string, Math.min(1000, intervalMs * 4));
            if (status !== null && status >= 200 && status < 300) pending.delete(c.spec.name);
          }),
      );
      if (pending.size === 0 || this.#clock.monotonic() >= deadline) break;
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, intervalMs).unref?.());
    }
    return { ready: pending.size === 0 && !this.#stopping, pending: [...pending] };
  }

  /**
   * SIGTERM to every child, SIGKILL to those still running after the stop timeout; resolves when all
   * have exited. Idempotent.
   */
  stop(): Promise<void> {
    if (!this.#stopPromise) this.#stopPromise = this.#stop();
    return this.#stopPromise;
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    for (const c of this.#children) {
      if (c.restartTimer) this.#clock.clearTimeout(c.restartTimer);
      c.restartTimer = null;
    }
    const running = this.#children.filter((c) => c.process);
    for (const c of running) this.#signal(c, 'SIGTERM');
    const allExited = Promise.all(running.map((c) => c.exited));
    let timer: ClockTimer | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve('deadline'), this.#stopTimeoutMs);
    });
    const outcome = await Promise.race([allExited.then(() => 'exited' as const), deadline]);
    if (timer) this.#clock.clearTimeout(timer);
    if (outcome === 'deadline') {
      for (const c of this.#children) {
        if (!c.process?.pid) continue;
        this.#output(
          `[supervisor] child ${c.spec.name} did not stop within ${this.#stopTimeoutMs} ms; sending SIGKILL`,
        );
        this.emit('child:killed', { name: c.spec.name, pid: c.process.pid });
        this.#signal(c, 'SIGKILL');
      }
      await allExited;
    }
    process.off('exit', this.#onProcessExit);
    this.emit('stopped');
  }

  #spawn(child: Supervised): void {
    const { spec } = child;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.env)) if (v !== undefined) env[k] = v;
    const proc = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    child.process = proc;
    child.policy.recordStart();
    let resolveExited!: () => void;
    child.exited = new Promise<void>((resolve) => {
      resolveExited = resolve;
    });
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (finished) return;
      finished = true;
      proc.channel?.unref();
      child.process = null;
      resolveExited();
      this.#onExit(
        child,
        { name: spec.name, pid: proc.pid ?? -1, code, signal, expected: this.#stopping },
        spawnError,
      );
    };
    this.#pipeLines(spec.name, proc.stdout);
    this.#pipeLines(spec.name, proc.stderr);
    // Without a pid it never started; other errors concern the IPC channel, not the child itself.
    proc.on('error', (err) => {
      if (proc.pid === undefined) finish(null, null, err.message);
    });
    proc.once('exit', (code, signal) => finish(code, signal));
    proc.on('message', (msg) => {
      if (isIpcEventMessage(msg)) this.#relay(child, msg);
    });
    if (proc.pid !== undefined) this.emit('child:spawned', { name: spec.name, pid: proc.pid });
  }

  /**
   * The event bus of a Redis-less stack (IpcEventBus): a child's message goes to every other running
   * child. A child that is exiting may miss it, which is what a restarted Redis subscriber would miss too.
   */
  #relay(from: Supervised, msg: IpcEventMessage): void {
    for (const c of this.#children) {
      const proc = c.process;
      if (c === from || !proc?.connected) continue;
      proc.send(msg, (err) => {
        if (err) this.#output(`[supervisor] event relay to ${c.spec.name} failed: ${err.message}`);
      });
    }
  }

  #onExit(child: Supervised, exit: ChildExit, spawnError?: string): void {
    this.emit('child:exited', exit);
    if (exit.expected) return;
    const { delayMs, attempt } = child.policy.nextRestart();
    const how = spawnError
      ? `could not be started (${spawnError})`
      : exit.signal
        ? `exited with signal ${exit.signal}`
        : `exited with code ${exit.code}`;
    this.#output(`[supervisor] child ${exit.name} ${how}; restarting in ${delayMs} ms (attempt ${attempt})`);
    this.emit('child:restart-scheduled', { name: exit.name, delayMs, attempt });
    child.restartTimer = this.#clock.setTimeout(() => {
      child.restartTimer = null;
      if (!this.#stopping) this.#spawn(child);
    }, delayMs);
  }

  #pipeLines(name: string, stream: Readable | null): void {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => this.#output(`[${name}] ${line}`));
  }

  /** Signals the child's whole process group (it leads one: detached), falling back to the pid. */
  #signal(child: Supervised, signal: NodeJS.Signals): void {
    const pid = child.process?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  /** Last resort when our own process exits: synchronous, so it runs even on a crash. */
  #killAllNow(): void {
    for (const c of this.#children) this.#signal(c, 'SIGKILL');
  }
}
