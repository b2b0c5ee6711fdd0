import { BackendAnswer, BackendPage, type BackendStatus } from '@floodgate/shared/admin-api';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type AdminArgv,
  type AdminCommandOptions,
  adminConnectionOptions,
  type CommandIo,
  defaultIo,
  EXIT_USAGE,
  fetchAllPages,
  formatTable,
  printJson,
  runAdminCall,
} from './admin-command.js';

export type BackendsAction =
  | { action: 'list' }
  | { action: 'add'; origin: string; weight?: number }
  | { action: 'remove' | 'drain' | 'enable'; id: string };

const PAST: Record<'remove' | 'drain' | 'enable', string> = {
  remove: 'removed',
  drain: 'draining',
  enable: 'enabled',
};

/**
 * `floodgate backends list|add|remove|drain|enable` against the gateway's balancer admin API
 * (forwarded to the balancer's /lb/admin/backends). 0 ok; 1 when the gateway or the balancer
 * refused or failed (unknown id, duplicate URL, unreachable: one line on stderr); 2 on bad usage.
 */
export async function runBackends(
  what: BackendsAction,
  options: AdminCommandOptions,
  io: CommandIo = defaultIo,
): Promise<number> {
  const command = `floodgate backends ${what.action}`;
  if (what.action === 'add' && what.weight !== undefined) {
    if (!Number.isInteger(what.weight) || what.weight < 1 || what.weight > 1000) {
      io.stderr(`${command}: --weight must be an integer from 1 to 1000\n`);
      return EXIT_USAGE;
    }
  }
  const backendId = what.action === 'list' || what.action === 'add' ? undefined : what.id;
  return runAdminCall(
    command,
    options,
    io,
    async (client) => {
      const print = (backend: BackendStatus, text: string) =>
        options.json ? printJson(io, backend) : io.stdout(text);
      switch (what.action) {
        case 'list': {
          const backends = await fetchAllPages(client, '/api/v1/admin/backends', BackendPage);
          if (options.json) printJson(io, backends);
          else io.stdout(formatBackends(backends));
          return;
        }
        case 'add': {
          const body =
            what.weight === undefined ? { url: what.origin } : { url: what.origin, weight: what.weight };
          const { data } = await client.call('POST', '/api/v1/admin/backends', BackendAnswer, body);
          print(data, `added ${data.id} ${data.url} (weight ${data.weight})\n`);
          return;
        }
        default: {
          const path = `/api/v1/admin/backends/${what.id}${what.action === 'remove' ? '' : `/${what.action}`}`;
          const method = what.action === 'remove' ? 'DELETE' : 'POST';
          const { data } = await client.call(method, path, BackendAnswer);
          print(data, `${PAST[what.action]} ${data.id} ${data.url}\n`);
        }
      }
    },
    backendId,
  );
}

/** One line per backend. */
function formatBackends(backends: readonly BackendStatus[]): string {
  if (backends.length === 0) return 'no backends\n';
  const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v * 10) / 10}ms`);
  return formatTable(
    ['ID', 'URL', 'WEIGHT', 'HEALTH', 'BREAKER', 'STATE', 'IN-FLIGHT', 'REQUESTS', 'FAILURES', 'P50', 'P99'],
    backends.map((b) => [
      b.id,
      b.url,
      String(b.weight),
      b.healthy ? 'healthy' : 'unhealthy',
      b.circuitState,
      b.draining ? 'draining' : b.available ? 'available' : 'unavailable',
      String(b.inFlight),
      String(b.requests),
      String(b.failures),
      ms(b.latency.p50Ms),
      ms(b.latency.p99Ms),
    ]),
  );
}

type Args = ArgumentsCamelCase<AdminArgv>;
const optionsOf = (argv: Args): AdminCommandOptions => ({
  url: argv.url,
  token: argv.token,
  json: argv.json,
});
const finish = async (what: BackendsAction, argv: Args) => {
  process.exitCode = await runBackends(what, optionsOf(argv));
};
const idArg = (c: Argv) =>
  c.positional('id', { type: 'string', describe: 'Backend id (from backends list)' });

export const backendsCommand: CommandModule<object, AdminArgv> = {
  command: 'backends <command>',
  describe: "List and control the load balancer's backends (admin token required)",
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .command('list', 'Backends with health, breaker, drain state and counters', {}, (argv) =>
        finish({ action: 'list' }, argv as unknown as Args),
      )
      .command(
        'add <origin>',
        'Add a backend (an http(s) origin); requests go to --url as always',
        (c: Argv) =>
          c
            .positional('origin', { type: 'string', describe: 'The new backend, e.g. http://127.0.0.1:3004' })
            .option('weight', { type: 'number', nargs: 1, describe: 'Weight (1-1000, weighted balancers)' }),
        (argv) =>
          finish(
            {
              action: 'add',
              origin: String(argv.origin),
              ...(argv.weight === undefined ? {} : { weight: Number(argv.weight) }),
            },
            argv as unknown as Args,
          ),
      )
      .command('remove <id>', 'Remove a backend (its in-flight requests finish)', idArg, (argv) =>
        finish({ action: 'remove', id: String(argv.id) }, argv as unknown as Args),
      )
      .command('drain <id>', 'Send it no new requests; in-flight ones finish', idArg, (argv) =>
        finish({ action: 'drain', id: String(argv.id) }, argv as unknown as Args),
      )
      .command('enable <id>', 'End a drain', idArg, (argv) =>
        finish({ action: 'enable', id: String(argv.id) }, argv as unknown as Args),
      )
      .example('$0 backends list --token $TOKEN', 'every backend and its state')
      .example('$0 backends add http://127.0.0.1:3004 --weight 2', 'a new backend, weight 2')
      .example('$0 backends drain api-2', 'no new requests to api-2 (then: enable api-2)')
      .demandCommand(1, 'name a backends command (list, add, remove, drain, enable)') as Argv<AdminArgv>,
  handler: () => {},
};
