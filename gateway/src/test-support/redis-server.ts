import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from '@floodgate/shared';
import { getFreePort } from '@floodgate/shared/testing/index';
import { connectTestRedis } from './test-redis-client.js';

/** A private redis-server for fault injection: freeze it, kill it, restart it on the same port. */
export interface TestRedisServer {
  url: string;
  port: number;
  /** SIGSTOP: the server keeps its connections but answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Stops the process (SIGKILL) and waits for it to exit: connections are refused. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  /** A fresh, ready client for setup and inspection (caller disconnects). */
  client(): Promise<Redis>;
  close(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/** Starts redis-server on a free 127.0.0.1 port with no persistence and a temporary directory. */
export async function startTestRedisServer(): Promise<TestRedisServer> {
  const port = await getFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'fg-redis-'));
  let child: ChildProcess | null = null;
  let frozen = false;

  const start = async () => {
    const proc = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    child = proc;
    // If the test process dies without closing us, the server must not outlive it.
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => process.off('exit', killOnExit));
    const deadline = Date.now() + 5000;
    for (;;) {
      if (await answers(port)) return;
      if (Date.now() > deadline || proc.exitCode !== null)
        throw new Error(`redis-server :${port} did not start`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    if (frozen) proc.kill('SIGCONT');
    frozen = false;
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    freeze() {
      frozen = true;
      child?.kill('SIGSTOP');
    },
    thaw() {
      frozen = false;
      child?.kill('SIGCONT');
    },
    kill,
    restart: start,
    client: () => connectTestRedis(`redis://127.0.0.1:${port}`),
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** True when something on 127.0.0.1:port answers a RESP PING with +PONG. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (c: Buffer) => {
      reply += String(c);
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
  });
}
