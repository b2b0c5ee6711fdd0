import { Writable } from 'node:stream';
import { runMigrations, seedDevData } from '@floodgate/database';
import { createLogger, createPgPool, FloodgateError } from '@floodgate/shared';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { findBusyPorts } from '../infra/find-busy-ports.js';
import { type ResolvedPostgres, resolvePostgres } from '../infra/resolve-postgres.js';
import { resolveRedis } from '../infra/resolve-redis.js';
import { createStackSpecs } from '../stack/create-stack-specs.js';
import { formatBanner } from '../stack/format-banner.js';
import { resolveStackOptions, type StackArgs, type StackOptions } from '../stack/stack-options.js';
import { Supervisor } from '../supervisor/supervisor.js';

export interface UpIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** One line of output (no trailing newline). */
  write: (line: string) => void;
}

/** How long `up` waits for every child's health endpoint before it warns. */
export const READY_TIMEOUT_MS = 60_000;

const defaultIo = (): UpIo => ({
  env: process.env,
  cwd: process.cwd(),
  write: (line) => process.stdout.write(`${line}\n`),
});

/**
 * `floodgate up`: picks PostgreSQL and Redis, prints where everything is, migrates and seeds, then
 * supervises the api-servers, the load balancer and the gateway until SIGINT/SIGTERM. Resolves with
 * the exit code once everything (including an embedded PostgreSQL) has stopped.
 */
async function runUp(args: StackArgs, io: UpIo = defaultIo()): Promise<number> {
  const out = io.write;
  const options = resolveStackOptions(args, io.env, io.cwd);
  const busy = [
    ...(await findBusyPorts([options.gatewayPort], io.env.HOST ?? '0.0.0.0')),
    ...(await findBusyPorts([options.lbPort, ...options.apiPorts], io.env.HOST ?? '127.0.0.1')),
  ];
  if (busy.length > 0) {
    out(
      `floodgate up: port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} already in use ` +
        '(another floodgate up? choose others with --gateway-port, --lb-port, --api-ports)',
    );
    return 1;
  }

  let signalled: NodeJS.Signals | null = null;
  let supervisor: Supervisor | null = null;
  let postgres: ResolvedPostgres | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    out(`[supervisor] ${signal}: stopping all processes`);
    resolveStopped();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    postgres = await resolvePostgres({ env: io.env, mode: options.embedded, dataDir: options.dataDir });
    const redis = await resolveRedis({ env: io.env, forceNone: options.embedded === 'force' });
    for (const line of formatBanner(options, postgres, redis)) out(line);
    if (signalled) return 0;

    try {
      await migrateAndSeed(postgres.url, options, io);
    } catch (err) {
      const reason = `cannot prepare the database at ${postgres.displayUrl}: ${(err as Error).message}`;
      throw new FloodgateError('DEPENDENCY_UNAVAILABLE', reason, { cause: err });
    }
    if (signalled) return 0;

    const specs = createStackSpecs(options, {
      base: io.env,
      overrides: { ...postgres.childEnv, ...redis.childEnv },
    });
    supervisor = new Supervisor({ children: specs, output: out });
    supervisor.start();
    out(`[supervisor] started ${specs.map((s) => s.name).join(', ')}; waiting for their health checks`);
    const startedAt = performance.now();
    void supervisor.waitUntilReady(READY_TIMEOUT_MS).then((ready) => {
      if (signalled) return;
      if (ready.ready) {
        const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
        out(
          `ready in ${seconds} s: gateway http://localhost:${options.gatewayPort} (Ctrl-C stops everything)`,
        );
      } else {
        out(
          `[supervisor] WARNING: not healthy after ${READY_TIMEOUT_MS / 1000} s: ${ready.pending.join(', ')} ` +
            '(still restarting; see their output above)',
        );
      }
    });
    await stopped;
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (supervisor) {
      await supervisor.stop();
      out('[supervisor] all processes stopped');
    }
    if (postgres?.embedded) {
      await postgres.embedded.stop();
      out('[supervisor] embedded PostgreSQL stopped');
    }
  }
}

/** Applies migrations and (outside production) the dev seed once, before any child starts. */
async function migrateAndSeed(url: string, options: StackOptions, io: UpIo): Promise<void> {
  const logger = createLogger({
    name: 'floodgate-up',
    level: io.env.LOG_LEVEL ?? 'info',
    destination: linePrefixer('[migrations] ', io.write),
  });
  const pool = createPgPool({ url, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 0 }, logger, {
    applicationName: 'floodgate-up',
  });
  try {
    const { applied } = await runMigrations(pool, logger);
    io.write(
      `[supervisor] migrations: ${applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date'}`,
    );
    if (!options.production) {
      // The demo keys are hashed with the gateway's secret, so they work whatever API_KEY_SECRET is.
      const seeded = await seedDevData(pool, logger, { apiKeySecret: io.env.API_KEY_SECRET });
      io.write(
        `[supervisor] dev seed: ${seeded ? 'inserted dev users and sample data' : 'data already present'}`,
      );
    }
  } finally {
    await pool.end();
  }
}

/** A stream that hands each written line to `write` with a prefix. */
function linePrefixer(prefix: string, write: (line: string) => void): Writable {
  let partial = '';
  return new Writable({
    write(chunk, _encoding, callback) {
      const text = partial + String(chunk);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) write(`${prefix}${line}`);
      callback();
    },
  });
}

interface UpArgv {
  'gateway-port'?: number;
  'lb-port'?: number;
  'api-ports'?: string;
  'data-dir'?: string;
  embedded?: boolean;
}

export const upCommand: CommandModule<object, UpArgv> = {
  command: 'up',
  describe: 'Start the whole stack on this machine: 3 api-servers, the load balancer and the gateway',
  builder: (y: Argv) =>
    y
      .option('gateway-port', { type: 'number', describe: 'Gateway port [env GATEWAY_PORT, default 8080]' })
      .option('lb-port', { type: 'number', describe: 'Load balancer port [env LB_PORT, default 3000]' })
      .option('api-ports', {
        type: 'string',
        describe:
          'Comma-separated api-server ports; their count is the number started [env FLOODGATE_API_PORTS]',
      })
      .option('data-dir', {
        type: 'string',
        describe: 'Where embedded data lives [env FLOODGATE_DATA_DIR, default ./.floodgate]',
      })
      .option('embedded', {
        type: 'boolean',
        describe:
          'Use the embedded PostgreSQL and no Redis even when real ones are reachable [env FLOODGATE_EMBEDDED]',
      }) as Argv<UpArgv>,
  handler: async (argv: ArgumentsCamelCase<UpArgv>) => {
    const code = await runUp({
      gatewayPort: argv.gatewayPort,
      lbPort: argv.lbPort,
      apiPorts: argv.apiPorts,
      dataDir: argv.dataDir,
      embedded: argv.embedded,
    });
    process.exit(code);
  },
};
