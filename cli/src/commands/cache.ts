import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { adminConnectionOptions, defaultIo, runAdminCall } from './admin-command.js';
import { type CommandIo, EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE } from './status.js';

/** Keys and prefixes the api-servers accept. */
const KEY = /^[A-Za-z0-9:._-]{1,200}$/;

export type CacheAction = { action: 'stats' } | { action: 'clear'; key?: string; prefix?: string };

export interface CacheOptions {
  url: string;
  token?: string;
  json?: boolean;
  timeoutMs?: number;
}

interface InstanceView {
  id: string;
  url: string;
  ok: boolean;
  error?: string;
  stats?: Record<string, unknown>;
  cleared?: { l1?: number; l2?: string };
}

interface CacheStatsAnswer {
  ok: boolean;
  instances: { total: number; reachable: number };
  totals: Record<string, unknown>;
  hitRatio: { l1: number | null; l2: number | null; combined: number | null };
  perInstance: InstanceView[];
}

interface CacheClearAnswer {
  ok: boolean;
  scope: { key?: string; prefix?: string };
  instances: InstanceView[];
}

/**
 * `floodgate cache stats|clear` against the gateway's cache admin API, which fans out to every
 * api-server. Returns 0 when every instance answered, 1 when the gateway failed or any instance
 * could not be reached (one line on stderr saying which), 2 on bad usage.
 */
export async function runCache(what: CacheAction, options: CacheOptions, io: CommandIo = defaultIo) {
  const command = `floodgate cache ${what.action}`;
  return runAdminCall(command, options, io, async (client) => {
    if (what.action === 'clear') {
      if (what.key !== undefined && what.prefix !== undefined) {
        io.stderr(`${command}: give --key or --prefix, not both\n`);
        return EXIT_USAGE;
      }
      const value = what.key ?? what.prefix;
      if (value !== undefined && !KEY.test(value)) {
        io.stderr(`${command}: a key or prefix is 1-200 letters, digits and : . _ -\n`);
        return EXIT_USAGE;
      }
    }
    let instances: InstanceView[];
    if (what.action === 'stats') {
      const stats = await client.request<CacheStatsAnswer>('GET', '/api/v1/admin/cache');
      io.stdout(options.json ? `${JSON.stringify(stats, null, 2)}\n` : formatCacheStats(stats));
      instances = stats.perInstance;
    } else {
      const scope =
        what.key !== undefined ? { key: what.key } : what.prefix !== undefined ? { prefix: what.prefix } : {};
      const cleared = await client.request<CacheClearAnswer>('POST', '/api/v1/admin/cache/clear', scope);
      io.stdout(options.json ? `${JSON.stringify(cleared, null, 2)}\n` : formatCacheClear(cleared));
      instances = cleared.instances;
    }
    if (instances.length === 0) {
      io.stderr(`${command}: the load balancer lists no api-servers\n`);
      return EXIT_UNHEALTHY;
    }
    const failed = instances.filter((i) => !i.ok);
    if (failed.length > 0) {
      const which = failed.map((i) => `${i.id} (${i.error ?? 'failed'})`).join(', ');
      io.stderr(`${command}: ${failed.length} of ${instances.length} api-servers did not answer: ${which}\n`);
      return EXIT_UNHEALTHY;
    }
    return EXIT_OK;
  });
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);
const num = (v: unknown) => (typeof v === 'number' ? String(v) : '-');
const at = (o: unknown, ...path: string[]) =>
  path.reduce<unknown>(
    (v, p) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined),
    o,
  );

/** Human-readable stats: totals, hit ratios, one line per instance. */
export function formatCacheStats(s: CacheStatsAnswer): string {
  const t = s.totals;
  const lines = [
    `api-servers  ${s.instances.reachable}/${s.instances.total} answering`,
    `hit ratio    L1 ${pct(s.hitRatio.l1)}  L2 ${pct(s.hitRatio.l2)}  combined ${pct(s.hitRatio.combined)}`,
    `L1           ${num(at(t, 'l1', 'entries'))} entries, ${num(at(t, 'l1', 'bytes'))} bytes, ${num(at(t, 'l1', 'hits'))} hits, ${num(at(t, 'l1', 'misses'))} misses, ${num(at(t, 'l1', 'evictions'))} evictions`,
    `L2           ${num(at(t, 'l2', 'hits'))} hits, ${num(at(t, 'l2', 'misses'))} misses, ${num(at(t, 'l2', 'errors'))} errors`,
    `loads        ${num(at(t, 'loads', 'ok'))} from PostgreSQL (${num(at(t, 'loads', 'error'))} failed), ${num(at(t, 'coalesced'))} coalesced, ${num(at(t, 'staleServed'))} served stale`,
  ];
  for (const i of s.perInstance) {
    if (!i.ok) {
      lines.push(`  ${i.id}  ${i.url}  UNREACHABLE (${i.error ?? 'failed'})`);
      continue;
    }
    const st = i.stats;
    const coherent = at(st, 'coherence', 'leaseValid') === true ? 'coherent' : 'caches bypassed';
    lines.push(
      `  ${i.id}  ${i.url}  ${coherent}, bus ${String(at(st, 'coherence', 'bus') ?? '?')}, L1 ${num(at(st, 'l1', 'entries'))} entries, L2 ${at(st, 'l2', 'trusted') === true ? 'trusted' : 'not in use'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatCacheClear(c: CacheClearAnswer): string {
  const what = c.scope.key
    ? `key ${c.scope.key}`
    : c.scope.prefix
      ? `prefix ${c.scope.prefix}`
      : 'everything';
  const lines = [`cleared ${what}`];
  for (const i of c.instances) {
    lines.push(
      i.ok
        ? `  ${i.id}  ${i.url}  L1 ${num(i.cleared?.l1)} entries, L2 ${i.cleared?.l2 ?? '-'}`
        : `  ${i.id}  ${i.url}  FAILED (${i.error ?? 'failed'})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface CacheArgv {
  url: string;
  token?: string;
  json: boolean;
}

const finish = async (what: CacheAction, argv: ArgumentsCamelCase<CacheArgv>) => {
  process.exitCode = await runCache(what, { url: argv.url, token: argv.token, json: argv.json });
};

export const cacheCommand: CommandModule<object, CacheArgv> = {
  command: 'cache <command>',
  describe: 'Cache stats and clearing across every api-server (admin token required)',
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .command('stats', 'Hits, misses and sizes per level, summed and per instance', {}, (argv) =>
        finish({ action: 'stats' }, argv as unknown as ArgumentsCamelCase<CacheArgv>),
      )
      .command(
        'clear',
        'Clear L1 and L2 on every instance: everything, one key, or a key prefix',
        (c: Argv) =>
          c
            .option('key', { type: 'string', nargs: 1, describe: 'One key, e.g. resource:42' })
            .option('prefix', {
              type: 'string',
              nargs: 1,
              describe: 'Every key starting with this, e.g. list:',
            })
            .conflicts('key', 'prefix'),
        (argv) =>
          finish(
            {
              action: 'clear',
              key: argv.key === undefined ? undefined : String(argv.key),
              prefix: argv.prefix === undefined ? undefined : String(argv.prefix),
            },
            argv as unknown as ArgumentsCamelCase<CacheArgv>,
          ),
      )
      .demandCommand(1, 'name a cache command (stats, clear)') as Argv<CacheArgv>,
  handler: () => {},
};
