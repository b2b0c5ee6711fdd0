import { isAbsolute, resolve } from 'node:path';
import { FloodgateError } from '@floodgate/shared';
import type { EmbeddedMode } from '../infra/resolve-postgres.js';

/** What `floodgate up` starts and where, after options and env are merged and validated. */
export interface StackOptions {
  gatewayPort: number;
  lbPort: number;
  /** One api-server per port: api-1 on the first, and so on. */
  apiPorts: readonly number[];
  /** Embedded data lives under here (`<dataDir>/pgdata`). */
  dataDir: string;
  embedded: EmbeddedMode;
  production: boolean;
}

export interface StackArgs {
  gatewayPort?: number | string;
  lbPort?: number | string;
  apiPorts?: string;
  dataDir?: string;
  embedded?: boolean;
}

/**
 * Options win over env (GATEWAY_PORT, LB_PORT, FLOODGATE_API_PORTS, FLOODGATE_DATA_DIR,
 * FLOODGATE_EMBEDDED), env over defaults (8080, 3000, 3001-3003, <cwd>/.floodgate, auto).
 * Throws FloodgateError('VALIDATION_FAILED') naming the bad option.
 */
export function resolveStackOptions(
  args: StackArgs,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): StackOptions {
  const gatewayPort = parsePort('--gateway-port/GATEWAY_PORT', args.gatewayPort ?? env.GATEWAY_PORT ?? 8080);
  const lbPort = parsePort('--lb-port/LB_PORT', args.lbPort ?? env.LB_PORT ?? 3000);
  const apiList = (args.apiPorts ?? env.FLOODGATE_API_PORTS ?? '3001,3002,3003')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (apiList.length === 0) invalid('--api-ports/FLOODGATE_API_PORTS: give at least one port');
  const apiPorts = apiList.map((p) => parsePort('--api-ports/FLOODGATE_API_PORTS', p));
  const all = [gatewayPort, lbPort, ...apiPorts];
  const dup = all.find((p, i) => all.indexOf(p) !== i);
  if (dup !== undefined)
    invalid(`port ${dup} is used twice (gateway, load balancer and api-servers need distinct ports)`);
  const dataDirRaw = args.dataDir ?? env.FLOODGATE_DATA_DIR ?? '.floodgate';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  return {
    gatewayPort,
    lbPort,
    apiPorts,
    dataDir,
    embedded: args.embedded ? 'force' : parseEmbedded(env.FLOODGATE_EMBEDDED),
    production: env.NODE_ENV === 'production',
  };
}

function parsePort(name: string, value: number | string): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    invalid(`${name}: expected a port 1-65535 (got ${JSON.stringify(value)})`);
  return n;
}

function parseEmbedded(value: string | undefined): EmbeddedMode {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '') return 'auto';
  if (v === 'true' || v === '1' || v === 'yes') return 'force';
  if (v === 'false' || v === '0' || v === 'no') return 'never';
  return invalid(`FLOODGATE_EMBEDDED: expected true or false (got ${JSON.stringify(value)})`);
}

function invalid(message: string): never {
  throw new FloodgateError('VALIDATION_FAILED', message);
}
