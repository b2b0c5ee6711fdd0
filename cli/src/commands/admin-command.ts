import { isFloodgateError } from '@floodgate/shared';
import { BACKEND_ID_PATTERN, MAX_PAGE_LIMIT, type Page } from '@floodgate/shared/admin-api';
import type { Argv } from 'yargs';
import type { z } from 'zod';
import { AdminClient } from '../admin-client.js';

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes shared by the CLI commands. */
export const EXIT_OK = 0;
export const EXIT_UNHEALTHY = 1;
export const EXIT_USAGE = 2;

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
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON (the answer’s data)' });
}

/**
 * Runs one admin call for `command`: 2 (usage) without a token or with a bad URL or backend id, 1
 * with a one-line reason when the gateway refused or failed, else the code `call` returns (0 when none).
 */
export async function runAdminCall(
  command: string,
  options: AdminCommandOptions,
  io: CommandIo,
  call: (client: AdminClient) => Promise<unknown>,
  backendId?: string,
): Promise<number> {
  if (!options.token) {
    io.stderr(`${command}: an admin session token is required (--token or FLOODGATE_TOKEN)\n`);
    return EXIT_USAGE;
  }
  if (backendId !== undefined && !BACKEND_ID_PATTERN.test(backendId)) {
    io.stderr(`${command}: not a backend id: ${JSON.stringify(backendId)} (see floodgate backends list)\n`);
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

/** Pages a walk follows at most: a list longer than this many full pages is cut (and says so). */
const MAX_PAGES = 1000;

/** Every item of a paged list, following `nextCursor` from the first page. */
export async function fetchAllPages<S extends z.ZodType<Page<unknown>>>(
  client: AdminClient,
  path: string,
  schema: S,
): Promise<z.output<S>['data']> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = `?limit=${MAX_PAGE_LIMIT}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const answer = (await client.call('GET', `${path}${query}`, schema)) as Page<unknown>;
    items.push(...answer.data);
    cursor = answer.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error(`${path} has more than ${MAX_PAGES} pages; page through it with --cursor`);
}

export function printJson(io: CommandIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
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
