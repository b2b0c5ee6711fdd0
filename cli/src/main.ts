import { ConfigError, isFloodgateError } from '@floodgate/shared';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { backendsCommand } from './commands/backends.js';
import { breakersCommand } from './commands/breakers.js';
import { cacheCommand } from './commands/cache.js';
import { keysCommand } from './commands/keys.js';
import { EXIT_UNHEALTHY, EXIT_USAGE, statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';

/** Exit code for an invalid environment, as the services use (EX_CONFIG). */
const EXIT_CONFIG = 78;

function fail(code: number, message: string): never {
  process.stderr.write(`floodgate: ${message.split('\n').join('\n  ')}\n`);
  process.exit(code);
}

/** Options whose value may begin with "-" (tokens are base64url): `--token -x` becomes `--token=-x`. */
const VALUE_OPTIONS = new Set(['--token', '--url']);

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

try {
  await yargs(joinOptionValues(hideBin(process.argv)))
    .scriptName('floodgate')
    .usage('$0 <command> [options]')
    .command(upCommand)
    .command(statusCommand)
    .command(keysCommand)
    .command(cacheCommand)
    .command(backendsCommand)
    .command(breakersCommand)
    .demandCommand(1, 'name a command (up, status, keys, cache, backends, breakers)')
    .strict()
    .help()
    .version(false)
    .fail((message, err) => {
      if (err) throw err;
      fail(EXIT_USAGE, `${message} (see floodgate --help)`);
    })
    .parseAsync();
} catch (err) {
  if (err instanceof ConfigError) fail(EXIT_CONFIG, err.message);
  if (isFloodgateError(err) && err.code === 'VALIDATION_FAILED') fail(EXIT_USAGE, err.message);
  fail(EXIT_UNHEALTHY, err instanceof Error ? err.message : String(err));
}
