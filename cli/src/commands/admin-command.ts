import { isFloodgateError } from '@floodgate/shared';
import type { Argv } from 'yargs';
import { AdminClient } from '../admin-client.js';
import { type CommandIo, EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE } from './status.js';

/** Options every admin command takes. */
export interface AdminCommandOptions {
  url: string;
  token?: string;
  json?: boolean;
  timeoutMs?: number;
}

export interface AdminArgv {
  url: string;
  token?: string;
  json: boolean;
}

export const defaultIo: CommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Backend ids as the balancer gives them (`api-2`). */
export const BACKEND_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `--url`, `--token` (FLOODGATE_URL / FLOODGATE_TOKEN) and `--json`. */
export function adminConnectionOptions<T>(y: Argv<T>) {
  return y
    .option('url', {
      type: 'string',
      nargs: 1,
      default: process.env.FLOODGATE_URL || 'http://localhost:8080',
      defaultDescription: 'FLOODGATE_URL or http://localhost:8080',
      describe: 'Gateway base URL',
    })
    .option('token', {
      type: 'string',
      nargs: 1,
      default: process.env.FLOODGATE_TOKEN || undefined,
      defaultDescription: 'FLOODGATE_TOKEN',
      describe: 'Admin session token (from POST /api/v1/auth/login)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON' });
}

/**
 * Runs one admin call for `command`: 2 (usage) without a token or with a bad URL or id, 1 with a
 * one-line reason when the gateway refused or failed, else the code `call` returns (0 when none).
 */
export async function runAdminCall(
  command: string,
  options: AdminCommandOptions,
  io: CommandIo,
  call: (client: AdminClient) => Promise<unknown>,
  id?: string,
): Promise<number> {
  if (!options.token) {
    io.stderr(`${command}: an admin session token is required (--token or FLOODGATE_TOKEN)\n`);
    return EXIT_USAGE;
  }
  if (id !== undefined && !BACKEND_ID.test(id)) {
    io.stderr(`${command}: not a backend id: ${JSON.stringify(id)} (see floodgate backends list)\n`);
    return EXIT_USAGE;
  }
  let client: AdminClient;
  try {
    client = new AdminClient({ baseUrl: options.url, token: options.token, timeoutMs: options.timeoutMs });
  } catch (err) {
    io.stderr(`${command}: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  try {
    const code = await call(client);
    return typeof code === 'number' ? code : EXIT_OK;
  } catch (err) {
    const code = isFloodgateError(err) ? `${err.code}: ` : '';
    io.stderr(`${command}: ${code}${(err as Error).message.split('\n')[0]}\n`);
    return EXIT_UNHEALTHY;
  }
}

/** A plain left-aligned table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
