import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '@floodgate/shared/testing/index';

export interface RedisProcess {
  url: string;
  port: number;
  /** SIGSTOP: Redis keeps its connections open and answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Stops the server (SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A redis-server of our own on a free 127.0.0.1 port (no persistence, temp dir), for faults the
 * shared Redis must never see (freeze, kill). Only this process is ever signalled.
 */
export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await getFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'fg-redis-'));
  const child: ChildProcess = spawn(
    process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit').then(() => {});
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; !(await answersPing(port)); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const pid = child.pid as number;
  return {
    url,
    port,
    freeze: () => process.kill(pid, 'SIGSTOP'),
    thaw: () => process.kill(pid, 'SIGCONT'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One PING over a raw connection: true when Redis answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}
