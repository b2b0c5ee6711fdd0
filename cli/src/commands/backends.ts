import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type AdminArgv,
  type AdminCommandOptions,
  adminConnectionOptions,
  defaultIo,
  formatTable,
  runAdminCall,
} from './admin-command.js';
import type { CommandIo } from './status.js';

/** A backend as the balancer reports it (the fields the CLI prints; `--json` prints all). */
export interface BackendView {
  id: string;
  url: string;
  weight: number;
  healthy: boolean;
  circuitState: string;
  draining: boolean;
  available: boolean;
  inFlight: number;
  requests: number;
  failures: number;
  retries: number;
  webSockets: number;
  latencyMs: { p50: number | null; p99: number | null };
}

export type BackendsAction =
  | { action: 'list' }
  | { action: 'add'; url: string; weight?: number }
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
  const print = (json: unknown, text: string) =>
    io.stdout(options.json ? `${JSON.stringify(json, null, 2)}\n` : text);
  if (what.action === 'add' && what.weight !== undefined) {
    if (!Number.isInteger(what.weight) || what.weight < 1 || what.weight > 1000) {
      io.stderr(`${command}: --weight must be an integer from 1 to 1000\n`);
      return 2;
    }
  }
  return runAdminCall(
    command,
    options,
    io,
    async (client) => {
      switch (what.action) {
        case 'list': {
          const { backends } = await client.request<{ backends: BackendView[] }>(
            'GET',
            '/api/v1/admin/backends',
          );
          print(backends, formatBackends(backends));
          return;
        }
        case 'add': {
          const body = what.weight === undefined ? { url: what.url } : { url: what.url, weight: what.weight };
          const { backend } = await client.request<{ backend: BackendView }>(
            'POST',
            '/api/v1/admin/backends',
            body,
          );
          print(backend, `added ${backend.id} ${backend.url} (weight ${backend.weight})\n`);
          return;
        }
        default: {
          const path = `/api/v1/admin/backends/${what.id}${what.action === 'remove' ? '' : `/${what.action}`}`;
          const { backend } = await client.request<{ backend: BackendView }>(
            what.action === 'remove' ? 'DELETE' : 'POST',
            path,
          );
          print(backend, `${PAST[what.action]} ${backend.id} ${backend.url}\n`);
        }
      }
    },
    what.action === 'list' || what.action === 'add' ? undefined : what.id,
  );
}

/** One line per backend. */
export function formatBackends(backends: readonly BackendView[]): string {
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
      ms(b.latencyMs.p50),
      ms(b.latencyMs.p99),
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
        'add <url>',
        'Add a backend (an http(s) origin)',
        (c: Argv) =>
          c
            .positional('url', { type: 'string', describe: 'Origin, e.g. http://127.0.0.1:3004' })
            .option('weight', { type: 'number', nargs: 1, describe: 'Weight (1-1000, weighted balancers)' }),
        (argv) =>
          finish(
            {
              action: 'add',
              url: String(argv.url),
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
      .demandCommand(1, 'name a backends command (list, add, remove, drain, enable)') as Argv<AdminArgv>,
  handler: () => {},
};
