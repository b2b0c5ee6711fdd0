import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { getFreePort } from './free-port.js';
import { startTestProcess, type TestProcess } from './test-process.js';
import { connectTestRedis } from './test-redis.js';

/**
 * A redis-server of the test's own, for faults the shared Redis must never see: freeze it, kill it,
 * restart it on the same port. Only this process is ever signalled.
 */
export interface TestRedisServer {
  url: string;
  port: number;
  /** SIGSTOP: the server keeps its connections but answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** SIGKILL, and waits for the exit: connections are refused. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>;
  /** A fresh, ready client for setup and inspection (the caller disconnects it). */
  client(): Promise<Redis>;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;

/** Starts redis-server on a free 127.0.0.1 port with no persistence and a temporary directory. */
export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await getFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'fg-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let server: TestProcess | null = null;

  const start = async () => {
    const proc = startTestProcess(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { name: `redis-server :${port}` },
    );
    server = proc;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answersPing(port))) {
      if (proc.hasExited() || Date.now() > deadline) {
        await proc.kill();
        throw new Error(`redis-server :${port} did not start:\n${proc.output()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const kill = async () => {
    const proc = server;
    server = null;
    await proc?.kill();
  };

  await start();
  return {
    url,
    port,
    freeze: () => server?.freeze(),
    thaw: () => server?.thaw(),
    kill,
    restart: start,
    client: () => connectTestRedis(url),
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One PING on a fresh connection: true when something on the port answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (c: Buffer) => {
      reply += String(c);
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}
