import {
  CircuitBreakerAnswer,
  CircuitBreakerPage,
  type CircuitBreakerStatus,
} from '@floodgate/shared/admin-api';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type AdminArgv,
  type AdminCommandOptions,
  adminConnectionOptions,
  type CommandIo,
  defaultIo,
  fetchAllPages,
  formatTable,
  printJson,
  runAdminCall,
} from './admin-command.js';

export type BreakersAction = { action: 'list' } | { action: 'open' | 'close' | 'reset'; id: string };

const DONE: Record<'open' | 'close' | 'reset', string> = {
  open: 'forced open (stays open until close or reset)',
  close: 'closed',
  reset: 'reset (closed, empty window)',
};

/**
 * `floodgate breakers list|open|close|reset` against the gateway's balancer admin API (forwarded
 * to the balancer's /lb/admin/circuit-breakers). Exit codes as `floodgate backends`.
 */
export async function runBreakers(
  what: BreakersAction,
  options: AdminCommandOptions,
  io: CommandIo = defaultIo,
): Promise<number> {
  const command = `floodgate breakers ${what.action}`;
  return runAdminCall(
    command,
    options,
    io,
    async (client) => {
      if (what.action === 'list') {
        const breakers = await fetchAllPages(client, '/api/v1/admin/circuit-breakers', CircuitBreakerPage);
        if (options.json) printJson(io, breakers);
        else io.stdout(formatBreakers(breakers));
        return;
      }
      const { data } = await client.call(
        'POST',
        `/api/v1/admin/circuit-breakers/${what.id}/${what.action}`,
        CircuitBreakerAnswer,
      );
      if (options.json) printJson(io, data);
      else io.stdout(`breaker of ${data.backendId} ${DONE[what.action]}: ${data.circuitState}\n`);
    },
    what.action === 'list' ? undefined : what.id,
  );
}

/** One line per breaker. */
function formatBreakers(breakers: readonly CircuitBreakerStatus[]): string {
  if (breakers.length === 0) return 'no circuit breakers\n';
  return formatTable(
    ['BACKEND', 'STATE', 'FORCED', 'CONSECUTIVE FAILURES', 'WINDOW (FAILED/REQUESTS)', 'OPENED AT'],
    breakers.map((b) => [
      b.backendId,
      b.circuitState,
      b.forced ? 'yes' : 'no',
      String(b.consecutiveFailures),
      `${b.window.failures}/${b.window.requests}`,
      b.openedAt ?? '-',
    ]),
  );
}

type Args = ArgumentsCamelCase<AdminArgv>;
const finish = async (what: BreakersAction, argv: Args) => {
  process.exitCode = await runBreakers(what, { url: argv.url, token: argv.token, json: argv.json });
};
const idArg = (c: Argv) =>
  c.positional('id', { type: 'string', describe: 'Backend id (from breakers list)' });

export const breakersCommand: CommandModule<object, AdminArgv> = {
  command: 'breakers <command>',
  describe: "List and force the load balancer's per-backend circuit breakers (admin token required)",
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .command('list', 'Every breaker: state, forced, failures, rolling window', {}, (argv) =>
        finish({ action: 'list' }, argv as unknown as Args),
      )
      .command('open <id>', 'Force it open: no traffic, no trials, until close or reset', idArg, (argv) =>
        finish({ action: 'open', id: String(argv.id) }, argv as unknown as Args),
      )
      .command('close <id>', 'Close it now (the window keeps its history)', idArg, (argv) =>
        finish({ action: 'close', id: String(argv.id) }, argv as unknown as Args),
      )
      .command('reset <id>', 'A fresh closed breaker with an empty window', idArg, (argv) =>
        finish({ action: 'reset', id: String(argv.id) }, argv as unknown as Args),
      )
      .example('$0 breakers list', 'state, forced flag and window of every breaker')
      .example('$0 breakers open api-2', 'take api-2 out of rotation until close or reset')
      .demandCommand(1, 'name a breakers command (list, open, close, reset)') as Argv<AdminArgv>,
  handler: () => {},
};
