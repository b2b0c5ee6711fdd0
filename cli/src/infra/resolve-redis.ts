import { connect } from 'node:net';
import { EVENT_BUS_ENV, parseEnv, RedisEnv, toRedisConfig } from '@floodgate/shared';
import { redactUrl } from './redact-url.js';

export type RedisSource = 'configured' | 'localhost' | 'none';

export interface ResolvedRedis {
  source: RedisSource;
  /** Connection string for the children (may hold a password: never print it); null when none. */
  url: string | null;
  /** `url` without its password. */
  displayUrl: string | null;
  /** Why there is no Redis, or what the probe found. */
  note: string;
  /** Changes to the children's environment: a value sets, undefined removes. */
  childEnv: Record<string, string | undefined>;
}

export interface ResolveRedisOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** `--embedded`: no Redis even when one is configured or reachable. */
  forceNone?: boolean;
  /** @default '127.0.0.1' */
  probeHost?: string;
  /** @default 6379 */
  probePort?: number;
  /** @default 300 */
  probeTimeoutMs?: number;
}

/**
 * Which Redis `floodgate up` gives its children: the configured one (REDIS_URL or REDIS_HOST), else
 * one that answers PING on localhost's standard port, else none (the children use in-process stores).
 */
export async function resolveRedis(options: ResolveRedisOptions): Promise<ResolvedRedis> {
  // No Redis: clear every REDIS_* variable and have the children relay events through the supervisor.
  const removeAll: Record<string, string | undefined> = {
    ...Object.fromEntries(
      Object.keys(options.env)
        .filter((k) => k.startsWith('REDIS_'))
        .map((k) => [k, undefined]),
    ),
    [EVENT_BUS_ENV]: 'ipc',
  };
  if (options.forceNone) {
    return { source: 'none', url: null, displayUrl: null, note: 'embedded mode', childEnv: removeAll };
  }
  const configured = toRedisConfig(parseEnv('floodgate up', RedisEnv, options.env)).url;
  if (configured) {
    return {
      source: 'configured',
      url: configured,
      displayUrl: redactUrl(configured),
      note: 'from REDIS_URL/REDIS_HOST',
      childEnv: {},
    };
  }
  const host = options.probeHost ?? '127.0.0.1';
  const port = options.probePort ?? 6379;
  const probe = await pingRedis(host, port, options.probeTimeoutMs ?? 300);
  if (probe.ok) {
    const url = `redis://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return {
      source: 'localhost',
      url,
      displayUrl: url,
      note: `answered PING on ${host}:${port}`,
      childEnv: { REDIS_URL: url },
    };
  }
  return {
    source: 'none',
    url: null,
    displayUrl: null,
    note: `${host}:${port}: ${probe.reason}`,
    childEnv: removeAll,
  };
}

/** Sends an inline PING; ok only for +PONG within the timeout. Never rejects. */
export function pingRedis(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    let settled = false;
    let received = '';
    const socket = connect({ host, port });
    const done = (result: { ok: true } | { ok: false; reason: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ ok: false, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\r\n');
      if (end < 0) {
        if (received.length > 1024) done({ ok: false, reason: 'not a Redis server' });
        return;
      }
      const line = received.slice(0, end);
      if (line === '+PONG') done({ ok: true });
      else if (line.startsWith('-NOAUTH')) done({ ok: false, reason: 'requires a password (set REDIS_URL)' });
      else done({ ok: false, reason: `unexpected answer to PING: ${line.slice(0, 80)}` });
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, reason: err.code === 'ECONNREFUSED' ? 'connection refused' : err.message }),
    );
    socket.on('close', () => done({ ok: false, reason: 'connection closed' }));
  });
}
