import { type RateLimitOverview, RateLimitOverviewAnswer } from '@floodgate/shared/admin-api';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type AdminArgv,
  type AdminCommandOptions,
  adminConnectionOptions,
  type CommandIo,
  defaultIo,
  formatTable,
  printJson,
  runAdminCall,
} from './admin-command.js';

/**
 * `floodgate rate-limits`: the tiers, route policies, where decisions are made and the top
 * consumers (GET /api/v1/admin/rate-limits). Exit codes as every admin command.
 */
export function runRateLimits(options: AdminCommandOptions, io: CommandIo = defaultIo): Promise<number> {
  return runAdminCall('floodgate rate-limits', options, io, async (client) => {
    const { data } = await client.call('GET', '/api/v1/admin/rate-limits', RateLimitOverviewAnswer);
    if (options.json) printJson(io, data);
    else io.stdout(formatRateLimits(data));
  });
}

const per = (limit: number, windowMs: number) => `${limit}/${windowMs / 1000}s`;

function formatRateLimits(r: RateLimitOverview): string {
  const mode = r.enabled ? r.mode : 'off';
  const out = [
    `rate limiting ${mode}${r.enabled ? `, ${r.liveGateways} live gateway${r.liveGateways === 1 ? '' : 's'}` : ''}\n`,
    formatTable(
      ['TIER', 'LIMIT', 'BUCKETS', 'WHEN REDIS FAILS'],
      r.tiers.map((t) => [t.tier, per(t.limit, t.windowMs), String(t.buckets), t.failMode]),
    ),
  ];
  if (r.routes.length > 0) {
    out.push(
      formatTable(
        ['ROUTE', 'POLICY', 'LIMIT', 'PER'],
        r.routes.map((p) => [`${p.method} ${p.path}`, p.policy, per(p.limit, p.windowMs), p.key]),
      ),
    );
  }
  out.push(
    r.topConsumers.length === 0
      ? 'no consumers seen by this gateway in their current window\n'
      : formatTable(
          ['SUBJECT', 'POLICY', 'USED', 'REMAINING', 'SEEN'],
          r.topConsumers.map((c) => [
            c.subject,
            c.policy,
            `${c.used}/${c.limit}`,
            String(c.remaining),
            `${Math.round(c.ageMs / 1000)}s ago`,
          ]),
        ),
  );
  return out.join('\n');
}

export const rateLimitsCommand: CommandModule<object, AdminArgv> = {
  command: 'rate-limits',
  describe: 'Tiers, route policies, where limits are decided and the top consumers (admin token required)',
  builder: (y: Argv) =>
    adminConnectionOptions(y).example(
      '$0 rate-limits --json',
      'the whole overview as JSON',
    ) as Argv<AdminArgv>,
  handler: async (argv: ArgumentsCamelCase<AdminArgv>) => {
    process.exitCode = await runRateLimits({ url: argv.url, token: argv.token, json: argv.json });
  },
};
