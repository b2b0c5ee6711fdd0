import { isFloodgateError } from '@floodgate/shared';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { AdminClient, type HealthResult } from '../admin-client.js';

export interface StatusOptions {
  url: string;
  token?: string;
  json?: boolean;
  timeoutMs?: number;
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes shared by the CLI commands. */
export const EXIT_OK = 0;
export const EXIT_UNHEALTHY = 1;
export const EXIT_USAGE = 2;

interface BackendView {
  id: string;
  url: string;
  healthy: boolean | undefined;
  available: boolean | undefined;
  draining: boolean | undefined;
  breaker: string | undefined;
  inFlight: number | undefined;
}

export interface StatusReport {
  url: string;
  healthy: boolean;
  /** Why it is not healthy (absent when healthy). */
  reason?: string;
  gateway: HealthResult;
  dashboard?: unknown;
  dashboardError?: { code: string; message: string; status?: unknown };
}

const defaultIo: CommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/**
 * `floodgate status`: the gateway's /health and, with a token, the admin dashboard summary.
 * Returns 0 when healthy, 1 when unhealthy or unreachable, 2 on bad usage; any non-zero exit comes
 * with one line on stderr saying why.
 */
export async function runStatus(options: StatusOptions, io: CommandIo = defaultIo): Promise<number> {
  let client: AdminClient;
  try {
    client = new AdminClient({ baseUrl: options.url, token: options.token, timeoutMs: options.timeoutMs });
  } catch (err) {
    io.stderr(`floodgate status: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const report = await collectStatus(client);
  if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout(formatStatus(report));
  if (!report.healthy) {
    io.stderr(`floodgate status: ${report.reason}\n`);
    return EXIT_UNHEALTHY;
  }
  return EXIT_OK;
}

async function collectStatus(client: AdminClient): Promise<StatusReport> {
  const gateway = await client.health();
  const report: StatusReport = { url: client.baseUrl, healthy: gateway.healthy, gateway };
  if (!gateway.reachable) {
    report.reason = `gateway ${client.baseUrl} unreachable: ${gateway.reason}`;
    return report;
  }
  if (!gateway.healthy)
    report.reason = `gateway ${client.baseUrl} unhealthy: /health answered ${gateway.status}`;
  if (!client.hasToken) return report;
  try {
    report.dashboard = await client.dashboard();
  } catch (err) {
    const e = isFloodgateError(err) ? err : null;
    report.dashboardError = {
      code: e?.code ?? 'INTERNAL',
      message: (err as Error).message,
      ...(e?.details?.status !== undefined ? { status: e.details.status } : {}),
    };
    report.healthy = false;
    report.reason ??= `admin dashboard: ${report.dashboardError.code}: ${report.dashboardError.message}`;
    return report;
  }
  const balancer = balancerOf(report.dashboard);
  if (balancer && balancer.reachable === false) {
    report.healthy = false;
    report.reason ??= `load balancer unreachable from the gateway${balancer.error ? `: ${balancer.error}` : ''}`;
  } else {
    const backends = backendsOf(report.dashboard);
    if (backends && !backends.some((b) => b.available ?? b.healthy)) {
      report.healthy = false;
      report.reason ??= backends.length ? 'no backend is available' : 'the load balancer has no backends';
    }
  }
  return report;
}

function balancerOf(
  dashboard: unknown,
): { reachable?: unknown; error?: unknown; status?: unknown } | undefined {
  const b = (dashboard as { balancer?: unknown } | null)?.balancer;
  return b && typeof b === 'object'
    ? (b as { reachable?: unknown; error?: unknown; status?: unknown })
    : undefined;
}

/** Finds the backends list (`balancer.status.backends`, or `backends` at the top). */
function backendsOf(dashboard: unknown): BackendView[] | undefined {
  const d = dashboard as Record<string, unknown> | null;
  const status = balancerOf(d)?.status as { backends?: unknown } | undefined;
  const list = status?.backends ?? d?.backends;
  if (!Array.isArray(list)) return undefined;
  return list.map((raw) => {
    const b = (raw ?? {}) as Record<string, unknown>;
    const breaker = b.breaker ?? b.breakerState ?? b.circuit;
    return {
      id: String(b.id ?? b.name ?? b.url ?? '?'),
      url: String(b.url ?? ''),
      healthy: typeof b.healthy === 'boolean' ? b.healthy : undefined,
      available: typeof b.available === 'boolean' ? b.available : undefined,
      draining: typeof b.draining === 'boolean' ? b.draining : undefined,
      breaker:
        typeof breaker === 'string'
          ? breaker
          : typeof (breaker as { state?: unknown })?.state === 'string'
            ? String((breaker as { state: string }).state)
            : undefined,
      inFlight: typeof b.inFlight === 'number' ? b.inFlight : undefined,
    };
  });
}

/** Human-readable report. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  const g = report.gateway;
  if (!g.reachable) {
    lines.push(`gateway  ${report.url}  UNREACHABLE (${g.reason})`);
  } else {
    lines.push(`gateway  ${report.url}  ${g.healthy ? 'healthy' : 'UNHEALTHY'} (HTTP ${g.status})`);
    if (g.body && typeof g.body === 'object') {
      for (const [k, v] of Object.entries(g.body as Record<string, unknown>))
        lines.push(`  ${k}: ${brief(v)}`);
    }
  }
  if (report.dashboardError) {
    lines.push(`dashboard  ${report.dashboardError.code}: ${report.dashboardError.message}`);
  } else if (report.dashboard !== undefined) {
    const gw = (report.dashboard as { gateway?: Record<string, unknown> }).gateway;
    if (gw && typeof gw === 'object') {
      lines.push('gateway stats');
      for (const [k, v] of Object.entries(gw)) lines.push(`  ${k}: ${brief(v)}`);
    }
    const balancer = balancerOf(report.dashboard);
    if (balancer?.reachable === false) lines.push(`load balancer  UNREACHABLE (${brief(balancer.error)})`);
    const backends = backendsOf(report.dashboard);
    if (backends) {
      const algorithm = (balancer?.status as { algorithm?: unknown } | undefined)?.algorithm;
      lines.push(
        `backends (${backends.length})${typeof algorithm === 'string' ? `  algorithm ${algorithm}` : ''}`,
      );
      for (const b of backends) {
        const state = [
          b.healthy === undefined ? undefined : b.healthy ? 'healthy' : 'UNHEALTHY',
          b.available === false && b.healthy !== false ? 'unavailable' : undefined,
          b.draining ? 'draining' : undefined,
          b.breaker ? `breaker ${b.breaker}` : undefined,
          b.inFlight === undefined ? undefined : `in-flight ${b.inFlight}`,
        ].filter(Boolean);
        lines.push(`  ${b.id}  ${b.url}  ${state.join(', ')}`);
      }
    }
  }
  lines.push(report.healthy ? 'status: healthy' : `status: UNHEALTHY (${report.reason})`);
  return `${lines.join('\n')}\n`;
}

function brief(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

interface StatusArgv {
  url: string;
  token?: string;
  json: boolean;
}

export const statusCommand: CommandModule<object, StatusArgv> = {
  command: 'status',
  describe: "Show the gateway's health and, with an admin token, the dashboard summary",
  builder: (y: Argv) =>
    y
      .option('url', {
        type: 'string',
        default: process.env.FLOODGATE_URL || 'http://localhost:8080',
        defaultDescription: 'FLOODGATE_URL or http://localhost:8080',
        describe: 'Gateway base URL',
      })
      .option('token', {
        type: 'string',
        default: process.env.FLOODGATE_TOKEN || undefined,
        defaultDescription: 'FLOODGATE_TOKEN',
        describe: 'Admin session token (from POST /api/v1/auth/login)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as Argv<StatusArgv>,
  handler: async (argv: ArgumentsCamelCase<StatusArgv>) => {
    process.exitCode = await runStatus({ url: argv.url, token: argv.token, json: argv.json });
  },
};
