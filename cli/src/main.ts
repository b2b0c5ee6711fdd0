import { readFileSync } from 'node:fs';
import { ConfigError, isFloodgateError } from '@floodgate/shared';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_UNHEALTHY, EXIT_USAGE } from './commands/admin-command.js';
import { backendsCommand } from './commands/backends.js';
import { breakersCommand } from './commands/breakers.js';
import { cacheCommand } from './commands/cache.js';
import { keysCommand } from './commands/keys.js';
import { rateLimitsCommand } from './commands/rate-limits.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';

/** Exit code for an invalid environment, as the services use (EX_CONFIG). */
const EXIT_CONFIG = 78;

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const COMMANDS: CommandModule<object, never>[] = [
  upCommand,
  statusCommand,
  keysCommand,
  backendsCommand,
  breakersCommand,
  cacheCommand,
  rateLimitsCommand,
] as unknown as CommandModule<object, never>[];

/** Subcommands, to name the command a usage error is about. */
const SUBCOMMANDS: Record<string, readonly string[]> = {
  keys: ['create', 'list', 'revoke', 'tier'],
  backends: ['list', 'add', 'remove', 'drain', 'enable'],
  breakers: ['list', 'open', 'close', 'reset'],
  cache: ['stats', 'clear'],
};
const TOP = new Set([...COMMANDS.map((c) => String(c.command).split(' ')[0]), 'completion']);

/** yargs's messages in this CLI's words (one line each; `%s` as yargs fills them). */
const STRINGS = {
  'Not enough non-option arguments: got %s, need at least %s': {
    one: 'missing arguments (%s of %s given)',
    other: 'missing arguments (%s of %s given)',
  },
  'Too many non-option arguments: got %s, maximum of %s': {
    one: 'too many arguments (%s given, at most %s)',
    other: 'too many arguments (%s given, at most %s)',
  },
  'Unknown argument: %s': { one: 'unknown command or option: %s', other: 'unknown commands or options: %s' },
  'Missing required argument: %s': { one: 'missing --%s', other: 'missing options: %s' },
  'Missing argument value: %s': { one: 'no value given for --%s', other: 'no values given for %s' },
  'Not enough arguments following: %s': 'no value given for --%s',
  'Invalid values:': 'invalid value:',
  'Argument: %s, Given: %s, Choices: %s': '%s is %s, not one of %s',
  'Arguments %s and %s are mutually exclusive': 'give --%s or --%s, not both',
  'Did you mean %s?': '(did you mean %s?)',
};

function fail(code: number, message: string): never {
  process.stderr.write(`floodgate: ${message.split('\n').join('\n  ')}\n`);
  process.exit(code);
}

/** Options whose value may begin with "-" (tokens are base64url): `--token -x` becomes `--token=-x`. */
const VALUE_OPTIONS = new Set(['--token', '--url', '--cursor']);

function joinOptionValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = args[i + 1];
    if (VALUE_OPTIONS.has(arg) && value !== undefined && value !== '--') {
      out.push(`${arg}=${value}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** "floodgate backends drain" for the command words the user typed (as far as they are commands). */
function commandOf(args: readonly string[]): string {
  const [first, second] = args.filter((a) => !a.startsWith('-'));
  if (first === undefined || !TOP.has(first)) return 'floodgate';
  return SUBCOMMANDS[first]?.includes(second ?? '') ? `floodgate ${first} ${second}` : `floodgate ${first}`;
}

const args = joinOptionValues(hideBin(process.argv));

try {
  await yargs(args)
    .scriptName('floodgate')
    .usage(
      '$0 <command> [options]\n\nRun and operate a Floodgate stack: gateway, load balancer, api-servers.',
    )
    .command(COMMANDS)
    .completion('completion', 'Print a bash/zsh completion script (floodgate completion >> ~/.bashrc)')
    .demandCommand(1, 'name a command')
    .example('$0 up', 'the whole stack on this machine')
    .example('TOKEN=$(curl -s ... /api/v1/auth/login | jq -r .token)', 'an admin session token (README)')
    .example('$0 status --token $TOKEN', 'health, backends and breakers')
    .example('$0 keys create --name my-app --tier pro --token $TOKEN', 'an API key, shown once')
    .epilogue(
      'Admin commands talk to the gateway: --url and --token default to FLOODGATE_URL and FLOODGATE_TOKEN.\n' +
        'Exit codes: 0 ok, 1 failed or unhealthy (one line on stderr says why), 2 bad usage, 78 bad configuration.',
    )
    .updateStrings(STRINGS as unknown as Record<string, string>)
    .strict()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .version(VERSION)
    .fail((message, err) => {
      // yargs reports some usage errors as a YError; anything else is a failure of the command.
      if (err && err.name !== 'YError') throw err;
      const command = commandOf(args);
      const line = (message ?? err?.message ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' ');
      process.stderr.write(`${command}: ${line} (see ${command} --help)\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
} catch (err) {
  if (err instanceof ConfigError) fail(EXIT_CONFIG, err.message);
  if (isFloodgateError(err) && err.code === 'VALIDATION_FAILED') fail(EXIT_USAGE, err.message);
  fail(EXIT_UNHEALTHY, err instanceof Error ? err.message : String(err));
}
