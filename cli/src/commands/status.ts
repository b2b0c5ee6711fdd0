import { isFloodgateError } from '@floodgate/shared';
import type { Dashboard } from '@floodgate/shared/admin-api';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { AdminClient, type HealthResult } from '../admin-client.js';
import {
  type AdminArgv,
  adminConnectionOptions,
  type CommandIo,
  defaultIo,
  EXIT_OK,
  EXIT_UNHEALTHY,
  EXIT_USAGE,
} from './admin-command.js';

export interface StatusOptions {
  url: string;
  token?: string;
  json?: boolean;
  timeoutMs?: number;
}

export interface StatusReport {
  url: string;
  healthy: boolean;
  /** Why it is not healthy (absent when healthy). */
  reason?: string;
  gateway: HealthResult;
  dashboard?: Dashboard;
  dashboardError?: { code: string; message: string; status?: unknown };
}

/**
 * `floodgate status`: the gateway's /health and, with a token, the admin dashboard summary (every
 * backend with its health, availability, drain and breaker state). Returns 0 when healthy, 1 when
 * unhealthy or unreachable, 2 on bad usage; any non-zero exit comes with one line on stderr saying why.
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
  let dashboard: Dashboard;
  try {
    dashboard = await client.dashboard();
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
  report.dashboard = dashboard;
  const { balancer } = dashboard;
  if (balancer.status === null) {
    report.healthy = false;
    report.reason ??= `load balancer ${balancer.reachable ? 'status unavailable' : 'unreachable'} from the gateway${balancer.error ? `: ${balancer.error}` : ''}`;
  } else if (!balancer.status.backends.some((b) => b.available)) {
    report.healthy = false;
    report.reason ??= balancer.status.backends.length
      ? 'no backend is available'
      : 'the load balancer has no backends';
  }
  return report;
}

/** Human-readable report. */
function formatStatus(report: StatusReport): string {
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
    const { gateway: gw, balancer } = report.dashboard;
    lines.push(
      'gateway stats',
      `  up since ${gw.startedAt} (${Math.round(gw.uptimeMs / 1000)} s), ${gw.inFlight} in flight, ${gw.requests.total} requests`,
      `  rate limits ${gw.rateLimit.mode}, ${gw.rateLimit.liveGateways} live gateways; admission ${gw.admission.inFlight} in flight, ${gw.admission.queued} queued`,
    );
    if (balancer.status === null) {
      lines.push(
        `load balancer  ${balancer.reachable ? 'NO STATUS' : 'UNREACHABLE'} (${balancer.error ?? '?'})`,
      );
    } else {
      lines.push(`backends (${balancer.status.backends.length})  algorithm ${balancer.status.algorithm}`);
      for (const b of balancer.status.backends) {
        const state = [
          b.healthy ? 'healthy' : 'UNHEALTHY',
          !b.available && b.healthy ? 'unavailable' : undefined,
          b.draining ? 'draining' : undefined,
          `breaker ${b.circuitState}`,
          `in-flight ${b.inFlight}`,
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

export const statusCommand: CommandModule<object, AdminArgv> = {
  command: 'status',
  describe: "Show the gateway's health and, with an admin token, every backend and its breaker",
  builder: (y: Argv) =>
    adminConnectionOptions(y)
      .example('$0 status', "the gateway's /health")
      .example(
        '$0 status --token $TOKEN',
        'also the balancer, each backend and its breaker state',
      ) as Argv<AdminArgv>,
  handler: async (argv: ArgumentsCamelCase<AdminArgv>) => {
    process.exitCode = await runStatus({ url: argv.url, token: argv.token, json: argv.json });
  },
};
