import {
  type ApiKey,
  ApiKeyChangeAnswer,
  ApiKeyPage,
  CreatedApiKeyAnswer,
  MAX_PAGE_LIMIT,
  Tier,
} from '@floodgate/shared/admin-api';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type AdminCommandOptions,
  adminConnectionOptions,
  type CommandIo,
  defaultIo,
  EXIT_OK,
  EXIT_USAGE,
  fetchAllPages,
  formatTable,
  printJson,
  runAdminCall,
} from './admin-command.js';

export type KeysAction =
  | { action: 'create'; name: string; tier: string }
  | { action: 'list'; limit?: number; cursor?: string; all?: boolean }
  | { action: 'revoke'; id: string }
  | { action: 'tier'; id: string; tier: string };

const KEY_ID = /^[1-9]\d{0,9}$/;

/**
 * `floodgate keys create|list|revoke|tier` against the gateway's admin API. Returns 0 on success, 1
 * when the gateway refused or failed (not found, conflict, unreachable: one line on stderr saying
 * why), 2 on bad usage (no token, a malformed id, tier or URL).
 */
export async function runKeys(
  what: KeysAction,
  options: AdminCommandOptions,
  io: CommandIo = defaultIo,
): Promise<number> {
  const command = `floodgate keys ${what.action}`;
  if ((what.action === 'revoke' || what.action === 'tier') && !KEY_ID.test(what.id)) {
    io.stderr(`${command}: the key id must be a positive integer (see floodgate keys list)\n`);
    return EXIT_USAGE;
  }
  if ((what.action === 'create' || what.action === 'tier') && !Tier.safeParse(what.tier).success) {
    io.stderr(`${command}: the tier is one of ${Tier.options.join(', ')}\n`);
    return EXIT_USAGE;
  }
  if (what.action === 'list' && what.limit !== undefined) {
    if (!Number.isInteger(what.limit) || what.limit < 1 || what.limit > MAX_PAGE_LIMIT) {
      io.stderr(`${command}: --limit must be an integer from 1 to ${MAX_PAGE_LIMIT}\n`);
      return EXIT_USAGE;
    }
  }
  if (what.action === 'list' && what.all && what.cursor !== undefined) {
    io.stderr(`${command}: give --cursor or --all, not both\n`);
    return EXIT_USAGE;
  }
  return runAdminCall(command, options, io, async (client) => {
    switch (what.action) {
      case 'create': {
        const { data } = await client.call('POST', '/api/v1/admin/keys', CreatedApiKeyAnswer, {
          name: what.name,
          tier: what.tier,
        });
        if (options.json) printJson(io, data);
        else {
          io.stdout(
            `created key ${data.id} (${data.prefix}) for ${data.name}, tier ${data.tier}\n${data.key}\n` +
              'This is the only time the key is shown: store it now.\n',
          );
        }
        return EXIT_OK;
      }
      case 'list': {
        let keys: ApiKey[];
        let next: string | null = null;
        if (what.all) keys = await fetchAllPages(client, '/api/v1/admin/keys', ApiKeyPage);
        else {
          const query = new URLSearchParams({ limit: String(what.limit ?? 100) });
          if (what.cursor !== undefined) query.set('cursor', what.cursor);
          const page = await client.call('GET', `/api/v1/admin/keys?${query}`, ApiKeyPage);
          keys = page.data;
          next = page.nextCursor;
        }
        const more = next === null ? '' : `more keys: floodgate keys list --cursor ${next} (or --all)\n`;
        if (options.json) {
          printJson(io, keys);
          if (more) io.stderr(more);
        } else io.stdout(formatKeys(keys) + more);
        return EXIT_OK;
      }
      case 'revoke': {
        const { data } = await client.call('DELETE', `/api/v1/admin/keys/${what.id}`, ApiKeyChangeAnswer);
        if (options.json) printJson(io, data);
        else
          io.stdout(
            `revoked key ${data.id} (${data.prefix}) of ${data.name}${propagation(data.propagated)}\n`,
          );
        return EXIT_OK;
      }
      case 'tier': {
        const { data } = await client.call('PATCH', `/api/v1/admin/keys/${what.id}`, ApiKeyChangeAnswer, {
          tier: what.tier,
        });
        if (options.json) printJson(io, data);
        else {
          io.stdout(
            `consumer ${data.name} (key ${data.id} and its other keys) is now tier ${data.tier}${propagation(data.propagated)}\n`,
          );
        }
        return EXIT_OK;
      }
    }
  });
}

const propagation = (propagated: boolean) =>
  propagated ? '' : ' (not published: other gateways apply it when their key cache expires)';

function formatKeys(keys: readonly ApiKey[]): string {
  if (keys.length === 0) return 'no API keys\n';
  return formatTable(
    ['ID', 'PREFIX', 'NAME', 'TIER', 'STATUS', 'LAST USED', 'CREATED'],
    keys.map((k) => [
      String(k.id),
      k.prefix,
      k.name,
      k.tier,
      k.revokedAt ? 'revoked' : 'active',
      k.lastUsedAt ?? 'never',
      k.createdAt,
    ]),
  );
}

interface KeysArgv {
  url: string;
  token?: string;
  json: boolean;
}

type Args = ArgumentsCamelCase<KeysArgv>;
const finish = async (what: KeysAction, argv: Args) => {
  process.exitCode = await runKeys(what, { url: argv.url, token: argv.token, json: argv.json });
};
const idArg = (c: Argv) => c.positional('id', { type: 'string', describe: 'Key id (from keys list)' });

export const keysCommand: CommandModule<object, KeysArgv> = {
  command: 'keys <command>',
  describe: 'Create, list, revoke API keys and change their tier (admin token required)',
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .command(
        'create',
        'Create a key; it is printed once',
        (c: Argv) =>
          c
            .option('name', { type: 'string', demandOption: true, nargs: 1, describe: 'Consumer name' })
            .option('tier', { choices: Tier.options, demandOption: true, describe: 'Rate-limit tier' }),
        (argv) =>
          finish(
            { action: 'create', name: String(argv.name), tier: String(argv.tier) },
            argv as unknown as Args,
          ),
      )
      .command(
        'list',
        'List keys, oldest first, a page at a time (never their secrets)',
        (c: Argv) =>
          c
            .option('limit', {
              type: 'number',
              nargs: 1,
              describe: `Keys per page (1-${MAX_PAGE_LIMIT}), default 100`,
            })
            .option('cursor', { type: 'string', nargs: 1, describe: 'Start after the page that printed it' })
            .option('all', { type: 'boolean', describe: 'Every key, following every page' })
            .conflicts('cursor', 'all'),
        (argv) =>
          finish(
            {
              action: 'list',
              ...(argv.limit === undefined ? {} : { limit: Number(argv.limit) }),
              ...(argv.cursor === undefined ? {} : { cursor: String(argv.cursor) }),
              all: argv.all === true,
            },
            argv as unknown as Args,
          ),
      )
      .command('revoke <id>', 'Revoke a key: every gateway refuses it within a second', idArg, (argv) =>
        finish({ action: 'revoke', id: String(argv.id) }, argv as unknown as Args),
      )
      .command(
        'tier <id> <tier>',
        "Change the tier of the key's consumer (all its keys), on every gateway within a second",
        (c: Argv) => idArg(c).positional('tier', { choices: Tier.options, describe: 'The new tier' }),
        (argv) =>
          finish({ action: 'tier', id: String(argv.id), tier: String(argv.tier) }, argv as unknown as Args),
      )
      .example('$0 keys create --name my-app --tier pro', 'prints the key once')
      .example('$0 keys list --all --json', 'every key, as JSON')
      .example('$0 keys tier 7 enterprise', "key 7's consumer gets the enterprise limits")
      .demandCommand(1, 'name a keys command (create, list, revoke, tier)') as Argv<KeysArgv>,
  handler: () => {},
};
