import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { adminConnectionOptions, defaultIo, runAdminCall } from './admin-command.js';
import { type CommandIo, EXIT_OK, EXIT_USAGE } from './status.js';

/** Tiers a key can be created with (the gateway validates too). */
export const KEY_TIERS = ['anonymous', 'free', 'pro', 'enterprise'] as const;

/** An API key as `GET /api/v1/admin/keys` lists it (never its secret). */
export interface KeyView {
  id: number;
  prefix: string;
  name: string;
  tier: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type KeysAction =
  | { action: 'create'; name: string; tier: string }
  | { action: 'list' }
  | { action: 'revoke'; id: string };

export interface KeysOptions {
  url: string;
  token?: string;
  json?: boolean;
  timeoutMs?: number;
}

/**
 * `floodgate keys create|list|revoke` against the gateway's admin API. Returns 0 on success, 1 when
 * the gateway refused or failed (not found, conflict, unreachable: one line on stderr saying why),
 * 2 on bad usage (no token, a malformed id or URL).
 */
export async function runKeys(
  what: KeysAction,
  options: KeysOptions,
  io: CommandIo = defaultIo,
): Promise<number> {
  const command = `floodgate keys ${what.action}`;
  return runAdminCall(command, options, io, async (client) => {
    switch (what.action) {
      case 'create': {
        const created = await client.request<KeyView & { key: string }>('POST', '/api/v1/admin/keys', {
          name: what.name,
          tier: what.tier,
        });
        if (options.json) io.stdout(`${JSON.stringify(created, null, 2)}\n`);
        else {
          io.stdout(
            `created key ${created.id} (${created.prefix}) for ${created.name}, tier ${created.tier}\n` +
              `${created.key}\n` +
              'This is the only time the key is shown: store it now.\n',
          );
        }
        return EXIT_OK;
      }
      case 'list': {
        const { data } = await client.request<{ data: KeyView[] }>('GET', '/api/v1/admin/keys');
        io.stdout(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatKeys(data));
        return EXIT_OK;
      }
      case 'revoke': {
        if (!/^[1-9]\d{0,9}$/.test(what.id)) {
          io.stderr(`${command}: the key id must be a positive integer (see floodgate keys list)\n`);
          return EXIT_USAGE;
        }
        const revoked = await client.request<KeyView>('DELETE', `/api/v1/admin/keys/${what.id}`);
        if (options.json) io.stdout(`${JSON.stringify(revoked, null, 2)}\n`);
        else io.stdout(`revoked key ${revoked.id} (${revoked.prefix}) of ${revoked.name}\n`);
        return EXIT_OK;
      }
    }
  });
}

export function formatKeys(keys: readonly KeyView[]): string {
  if (keys.length === 0) return 'no API keys\n';
  const rows = keys.map((k) => [
    String(k.id),
    k.prefix,
    k.name,
    k.tier,
    k.revokedAt ? 'revoked' : 'active',
    k.lastUsedAt ?? 'never',
    k.createdAt,
  ]);
  const header = ['ID', 'PREFIX', 'NAME', 'TIER', 'STATUS', 'LAST USED', 'CREATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

interface KeysArgv {
  url: string;
  token?: string;
  json: boolean;
}

const finish = async (what: KeysAction, argv: ArgumentsCamelCase<KeysArgv>) => {
  process.exitCode = await runKeys(what, { url: argv.url, token: argv.token, json: argv.json });
};

export const keysCommand: CommandModule<object, KeysArgv> = {
  command: 'keys <command>',
  describe: 'Create, list and revoke API keys (admin token required)',
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .command(
        'create',
        'Create a key; it is printed once',
        (c: Argv) =>
          c
            .option('name', { type: 'string', demandOption: true, nargs: 1, describe: 'Consumer name' })
            .option('tier', { choices: KEY_TIERS, demandOption: true, describe: 'Rate-limit tier' }),
        (argv) =>
          finish(
            { action: 'create', name: String(argv.name), tier: String(argv.tier) },
            argv as unknown as ArgumentsCamelCase<KeysArgv>,
          ),
      )
      .command('list', 'List keys (never their secrets)', {}, (argv) =>
        finish({ action: 'list' }, argv as unknown as ArgumentsCamelCase<KeysArgv>),
      )
      .command(
        'revoke <id>',
        'Revoke a key: every gateway refuses it within a second',
        (c: Argv) => c.positional('id', { type: 'string', describe: 'Key id (from keys list)' }),
        (argv) =>
          finish({ action: 'revoke', id: String(argv.id) }, argv as unknown as ArgumentsCamelCase<KeysArgv>),
      )
      .demandCommand(1, 'name a keys command (create, list, revoke)') as Argv<KeysArgv>,
  handler: () => {},
};
