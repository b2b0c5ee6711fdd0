import {
  CACHE_KEY_PATTERN,
  type CacheCleared,
  type CacheClearOverview,
  CacheClearOverviewAnswer,
  type CacheOverview,
  CacheOverviewAnswer,
} from '@floodgate/shared/admin-api';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type AdminArgv,
  type AdminCommandOptions,
  adminConnectionOptions,
  type CommandIo,
  defaultIo,
  EXIT_OK,
  EXIT_UNHEALTHY,
  EXIT_USAGE,
  printJson,
  runAdminCall,
} from './admin-command.js';

export type CacheAction = { action: 'stats' } | { action: 'clear'; key?: string; prefix?: string };

/**
 * `floodgate cache stats|clear` against the gateway's cache admin API, which fans out to every
 * api-server. Returns 0 when every instance answered, 1 when the gateway failed or any instance
 * could not be reached (one line on stderr saying which), 2 on bad usage.
 */
export async function runCache(
  what: CacheAction,
  options: AdminCommandOptions,
  io: CommandIo = defaultIo,
): Promise<number> {
  const command = `floodgate cache ${what.action}`;
  if (what.action === 'clear') {
    if (what.key !== undefined && what.prefix !== undefined) {
      io.stderr(`${command}: give --key or --prefix, not both\n`);
      return EXIT_USAGE;
    }
    const value = what.key ?? what.prefix;
    if (value !== undefined && !CACHE_KEY_PATTERN.test(value)) {
      io.stderr(`${command}: a key or prefix is 1-200 letters, digits and : . _ -\n`);
      return EXIT_USAGE;
    }
  }
  return runAdminCall(command, options, io, async (client) => {
    let instances: { id: string; ok: boolean; error: string | null }[];
    if (what.action === 'stats') {
      const { data } = await client.call('GET', '/api/v1/admin/cache', CacheOverviewAnswer);
      if (options.json) printJson(io, data);
      else io.stdout(formatCacheStats(data));
      instances = data.instances;
    } else {
      const scope =
        what.key !== undefined ? { key: what.key } : what.prefix !== undefined ? { prefix: what.prefix } : {};
      const { data } = await client.call(
        'POST',
        '/api/v1/admin/cache/clear',
        CacheClearOverviewAnswer,
        scope,
      );
      if (options.json) printJson(io, data);
      else io.stdout(formatCacheClear(data));
      instances = data.instances;
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

/** Human-readable stats: totals, hit ratios, one line per instance. */
function formatCacheStats(s: CacheOverview): string {
  const { l1, l2, loads } = s.totals;
  const answering = s.instances.filter((i) => i.ok).length;
  const lines = [
    `api-servers  ${answering}/${s.instances.length} answering`,
    `hit ratio    L1 ${pct(s.hitRatio.l1)}  L2 ${pct(s.hitRatio.l2)}  combined ${pct(s.hitRatio.combined)}`,
    `L1           ${l1.entries} entries, ${l1.bytes} bytes, ${l1.hits} hits, ${l1.misses} misses, ${l1.evictions} evictions`,
    `L2           ${l2.hits} hits, ${l2.misses} misses, ${l2.errors} errors`,
    `loads        ${loads.ok} from PostgreSQL (${loads.error} failed), ${s.totals.coalesced} coalesced, ${s.totals.staleServed} served stale`,
  ];
  for (const i of s.instances) {
    const st = i.stats;
    if (!i.ok || st === null) {
      lines.push(`  ${i.id}  ${i.url}  UNREACHABLE (${i.error ?? 'failed'})`);
      continue;
    }
    const coherent = st.coherence.leaseValid ? 'coherent' : 'caches bypassed';
    lines.push(
      `  ${i.id}  ${i.url}  ${coherent}, bus ${st.coherence.bus}, L1 ${st.l1.entries} entries, L2 ${st.l2.trusted ? 'trusted' : 'not in use'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const l2Outcome = (l2: CacheCleared['l2']): string => {
  switch (l2.result) {
    case 'none':
      return 'none configured';
    case 'deleted':
      return `${l2.deleted} deleted`;
    case 'new_namespace':
      return `new namespace ${l2.namespace}`;
    case 'unavailable':
      return `unavailable (${l2.error})`;
  }
};

function formatCacheClear(c: CacheClearOverview): string {
  const what = c.scope.key
    ? `key ${c.scope.key}`
    : c.scope.prefix
      ? `prefix ${c.scope.prefix}`
      : 'everything';
  const lines = [`cleared ${what}`];
  for (const i of c.instances) {
    lines.push(
      i.cleared !== null
        ? `  ${i.id}  ${i.url}  L1 ${i.cleared.l1Entries} entries, L2 ${l2Outcome(i.cleared.l2)}`
        : `  ${i.id}  ${i.url}  FAILED (${i.error ?? 'failed'})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

type Args = ArgumentsCamelCase<AdminArgv>;
const finish = async (what: CacheAction, argv: Args) => {
  process.exitCode = await runCache(what, { url: argv.url, token: argv.token, json: argv.json });
};

export const cacheCommand: CommandModule<object, AdminArgv> = {
  command: 'cache <command>',
  describe: 'Cache stats and clearing across every api-server (admin token required)',
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .command('stats', 'Hits, misses and sizes per level, summed and per instance', {}, (argv) =>
        finish({ action: 'stats' }, argv as unknown as Args),
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
              ...(argv.key === undefined ? {} : { key: String(argv.key) }),
              ...(argv.prefix === undefined ? {} : { prefix: String(argv.prefix) }),
            },
            argv as unknown as Args,
          ),
      )
      .example('$0 cache stats', 'hit ratios and sizes, summed and per api-server')
      .example('$0 cache clear --key resource:42', 'one key on every api-server')
      .demandCommand(1, 'name a cache command (stats, clear)') as Argv<AdminArgv>,
  handler: () => {},
};
