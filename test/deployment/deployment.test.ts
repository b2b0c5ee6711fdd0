import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveStackOptions } from '@floodgate/cli';
import { ApiServerEnv, GatewayEnv, LoadBalancerEnv } from '@floodgate/shared';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  API_SERVICES,
  COMPONENTS,
  type ComposeFile,
  type ComposeService,
  checkDevCompose,
  checkFullStack,
  checkPrometheus,
  type PrometheusConfig,
} from './compose-checks.js';
import { checkDockerfile, checkDockerignore, type RootPackage } from './dockerfile-checks.js';
import { checkEnvExample, type NamedSchema, parseEnvExample } from './env-example-checks.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const fileExists = (path: string) => existsSync(join(ROOT, path));
/** Compose files use `<<` merge keys for the shared environment blocks. */
const readYaml = <T>(path: string) => parse(read(path), { merge: true }) as T;

/** Variables the CLI (`floodgate`) reads besides the components' schemas. */
const CLI_ENV_NAMES = [
  'FLOODGATE_URL',
  'FLOODGATE_TOKEN',
  'FLOODGATE_EMBEDDED',
  'FLOODGATE_DATA_DIR',
  'FLOODGATE_API_PORTS',
];
const SCHEMAS: NamedSchema[] = [
  { component: 'api-server', schema: ApiServerEnv },
  { component: 'load-balancer', schema: LoadBalancerEnv },
  { component: 'gateway', schema: GatewayEnv },
];
const ENTRIES = Object.values(COMPONENTS).map((c) => c.entry);

const compose = () => readYaml<ComposeFile>('docker-compose.yml');
const service = (c: ComposeFile, name: string): ComposeService => {
  const svc = c.services?.[name];
  assert.ok(svc, `service ${name} exists`);
  return svc;
};
/** A copy of a service's environment with changes applied (services may share one object via anchors). */
const withEnv = (svc: ComposeService, changes: Record<string, string | boolean>) => {
  svc.environment = { ...(svc.environment as Record<string, unknown>), ...changes };
};
/** Source text of the CLI (tests excluded), where its env names must appear. */
const cliSources = (dir = join(ROOT, 'cli/src')): string =>
  readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory()
        ? cliSources(path)
        : path.endsWith('.test.ts')
          ? ''
          : readFileSync(path, 'utf8'),
    )
    .join('\n');
const matching = (problems: string[], pattern: RegExp) => problems.filter((p) => pattern.test(p));

describe('docker-compose.yml (full stack)', () => {
  it('satisfies every check', () => {
    assert.deepEqual(checkFullStack(compose(), { fileExists }), []);
  });

  it('runs the stack of the blueprint: 3 api servers, a balancer, 2 gateways, data services, Prometheus', () => {
    const names = Object.keys(compose().services ?? {}).sort();
    assert.deepEqual(names, [
      'api-1',
      'api-2',
      'api-3',
      'gateway-1',
      'gateway-2',
      'load-balancer',
      'postgres',
      'prometheus',
      'redis',
    ]);
    const missing = compose();
    delete missing.services?.['gateway-2'];
    assert.ok(checkFullStack(missing, { fileExists }).includes('service gateway-2 is missing'));
  });

  it('catches a variable the schema no longer reads (e.g. PORT renamed in ApiServerEnv)', () => {
    const renamed = ApiServerEnv.omit({ PORT: true }).extend({ API_PORT: z.coerce.number().default(3001) });
    const problems = checkFullStack(compose(), {
      fileExists,
      components: { ...COMPONENTS, 'api-server': { ...COMPONENTS['api-server'], schema: renamed } },
    });
    for (const name of API_SERVICES) {
      assert.ok(problems.includes(`${name}: PORT is not a variable of its component's schema`), name);
    }
  });

  it('catches a value the schema refuses, a boolean compose would reject, and a non-production service', () => {
    const c = compose();
    withEnv(service(c, 'load-balancer'), { LOG_LEVEL: 'loud' });
    withEnv(service(c, 'api-3'), { RUN_MIGRATIONS: true });
    withEnv(service(c, 'gateway-1'), { NODE_ENV: 'development' });
    const problems = checkFullStack(c, { fileExists });
    assert.equal(matching(problems, /^load-balancer: LOG_LEVEL is invalid/).length, 1);
    assert.ok(problems.includes('api-3: RUN_MIGRATIONS must be a string or a number (got true)'));
    assert.ok(problems.includes('gateway-1: NODE_ENV must be "production" in the full stack'));
  });

  it('ties api-2 PORT to its port mapping, its healthcheck and the balancer API_SERVERS', () => {
    const c = compose();
    withEnv(service(c, 'api-2'), { PORT: '3005' });
    const problems = checkFullStack(c, { fileExists });
    assert.ok(problems.includes('api-2: port mapping targets 3002 but PORT is 3005'));
    assert.ok(problems.includes('api-2: healthcheck probes port 3002 but PORT is 3005'));
    assert.ok(problems.includes('api-2: PORT must be 3002 (got 3005)'));
    assert.ok(problems.includes('load-balancer: API_SERVERS lacks http://api-2:3005'));
    assert.ok(
      problems.includes('load-balancer: API_SERVERS entry api-2:3002 is not an api-server service and port'),
    );
  });

  it('probes /health/ready on api servers and wants INSTANCE_ID to name the service', () => {
    const c = compose();
    const api1 = service(c, 'api-1');
    api1.healthcheck = { test: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:3001/health/live')"] };
    withEnv(service(c, 'api-3'), { INSTANCE_ID: 'api-1' });
    const problems = checkFullStack(c, { fileExists });
    assert.ok(problems.includes('api-1: healthcheck probes /health/live, expected /health/ready'));
    assert.ok(problems.includes('api-3: INSTANCE_ID must be "api-3"'));
  });

  it('points both gateways at the load-balancer service and port, published on 8080 and 8081', () => {
    const c = compose();
    withEnv(service(c, 'gateway-2'), { LB_URL: 'http://load-balancer:3001' });
    service(c, 'gateway-1').ports = ['8082:8080'];
    const problems = checkFullStack(c, { fileExists });
    assert.ok(
      problems.includes('gateway-2: LB_URL http://load-balancer:3001 must be http://load-balancer:3000'),
    );
    assert.ok(problems.includes('gateway-1: must publish host port 8080'));
    assert.deepEqual(matching(problems, /^gateway-1: LB_URL/), []);
  });

  it('keeps PostgreSQL and Redis settings consistent with the data services', () => {
    const c = compose();
    withEnv(service(c, 'api-1'), { POSTGRES_DB: 'other' });
    withEnv(service(c, 'gateway-2'), { REDIS_HOST: 'localhost' });
    const problems = checkFullStack(c, { fileExists });
    assert.equal(matching(problems, /^api-1: PostgreSQL settings give .*\/other, expected/).length, 1);
    assert.ok(problems.includes('gateway-2: Redis must be redis://redis:6379 (got redis://localhost:6379)'));
  });

  it('waits for healthy dependencies only', () => {
    const c = compose();
    service(c, 'load-balancer').depends_on = { 'api-1': { condition: 'service_started' }, 'api-2': {} };
    delete service(c, 'redis').healthcheck;
    const problems = checkFullStack(c, { fileExists });
    assert.ok(problems.includes('load-balancer: depends_on api-1 must use condition: service_healthy'));
    assert.ok(problems.includes('load-balancer: must depend on api-3'));
    assert.ok(problems.includes('api-1: depends on redis, which has no healthcheck'));
  });

  it('runs component entries that exist in the repository, all from one image', () => {
    const problems = checkFullStack(compose(), { fileExists: () => false });
    assert.ok(problems.includes('gateway-1: entry gateway/src/main.ts does not exist in the repository'));
    const c = compose();
    service(c, 'api-2').command = ['gateway/src/main.ts'];
    service(c, 'gateway-2').image = 'other:latest';
    const wrong = checkFullStack(c, { fileExists });
    assert.ok(wrong.includes('api-2: command must be ["api-server/src/main.ts"] (runs gateway)'));
    assert.ok(wrong.includes('gateway-2: must use the same image as api-1'));
  });
});

describe('deploy/prometheus.yml', () => {
  const prom = () => readYaml<PrometheusConfig>('deploy/prometheus.yml');
  const options = { fileExists, promConfigPath: 'deploy/prometheus.yml' };

  it("scrapes every service's /metrics on its configured port, and is the file Prometheus mounts", () => {
    assert.deepEqual(checkPrometheus(prom(), compose(), options), []);
  });

  it('catches a missing target, a stale port and a config the container does not mount', () => {
    const p = prom();
    const api = p.scrape_configs?.find((j) => j.job_name === 'api-server');
    assert.ok(api?.static_configs?.[0]);
    api.static_configs[0].targets = ['api-1:3001', 'api-2:3002', 'api-3:3004'];
    const c = compose();
    service(c, 'prometheus').volumes = ['./prometheus.yml:/etc/prometheus/prometheus.yml:ro'];
    const problems = checkPrometheus(p, c, options);
    assert.ok(problems.includes('prometheus does not scrape api-3:3003'));
    assert.ok(problems.includes('prometheus scrapes api-3:3004, which is no service port'));
    assert.ok(problems.includes('prometheus: does not mount ./deploy/prometheus.yml'));

    const moved = compose();
    withEnv(service(moved, 'load-balancer'), { LB_PORT: '3100' });
    assert.ok(
      checkPrometheus(prom(), moved, options).includes('prometheus does not scrape load-balancer:3100'),
    );
  });
});

describe('docker-compose.dev.yml', () => {
  const dev = () => readYaml<ComposeFile>('docker-compose.dev.yml');

  it('runs PostgreSQL and Redis only, on 5432 and 6379, matching the schema defaults', () => {
    assert.deepEqual(checkDevCompose(dev()), []);
  });

  it('catches an extra service, a moved port and a database name the defaults do not reach', () => {
    const c = dev();
    assert.ok(c.services);
    c.services.gateway = { image: 'floodgate:local' };
    service(c, 'redis').ports = ['6380:6379'];
    withEnv(service(c, 'postgres'), { POSTGRES_DB: 'scalable_api' });
    const problems = checkDevCompose(c);
    assert.ok(
      problems.includes('dev compose must hold exactly postgres and redis (has gateway, postgres, redis)'),
    );
    assert.ok(problems.includes('dev redis: must publish 6379:6379'));
    assert.ok(problems.includes('dev postgres: POSTGRES_DB must be the schema default "floodgate"'));
  });
});

describe('Dockerfile and .dockerignore', () => {
  const rootPackage = JSON.parse(read('package.json')) as RootPackage;
  const options = { rootPackage, fileExists, entries: ENTRIES };

  it('builds one multi-stage, non-root image that runs an existing entry with tsx', () => {
    assert.deepEqual(checkDockerfile(read('Dockerfile'), options), []);
  });

  it('catches a root user, a missing workspace manifest, a pruned tsx and a wrong entry path', () => {
    const broken = read('Dockerfile')
      .replace(/^USER .*$/m, 'USER root')
      .replace(/^COPY gateway\/package\.json .*$/m, '')
      .replace(/^RUN npm install/m, 'RUN npm install --omit=dev')
      .replace(/^CMD .*$/m, 'CMD ["gateway/src/index.ts"]');
    const problems = checkDockerfile(broken, options);
    assert.ok(problems.includes('final stage must switch to a non-root USER'));
    assert.ok(problems.includes('install stage does not COPY gateway/package.json'));
    assert.ok(
      problems.includes(
        'the install omits dev dependencies, but tsx (the runtime loader) is a devDependency',
      ),
    );
    assert.ok(problems.includes('CMD runs gateway/src/index.ts, which is no component entry'));
    const alpine = read('Dockerfile').replace(
      /^FROM node:20-bookworm-slim AS deps$/m,
      'FROM node:20-alpine AS deps',
    );
    assert.equal(
      matching(checkDockerfile(alpine, options), /FROM node:20-alpine AS deps must use/).length,
      1,
    );
  });

  it('keeps node_modules, dist, .floodgate, .git and .env out, and the manifests and sources in', () => {
    const mustInclude = [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      ...(rootPackage.workspaces ?? []).map((w) => `${w}/package.json`),
      ...ENTRIES,
      'database/migrations/001_users.sql',
    ];
    assert.deepEqual(checkDockerignore(read('.dockerignore'), { mustInclude }), []);
    const broken = `${read('.dockerignore')
      .replace(/^\.git$/m, '')
      .replace(/^\.env$/m, '')}\n*.json\n`;
    const problems = checkDockerignore(broken, { mustInclude });
    assert.ok(problems.includes('.dockerignore lets .git/HEAD into the image'));
    assert.ok(problems.includes('.dockerignore lets .env into the image'));
    assert.ok(problems.includes('.dockerignore excludes package-lock.json, which the build needs'));
  });
});

describe('.env.example', () => {
  const parsed = () => parseEnvExample(read('.env.example'));

  it('lists exactly the schema variables plus the CLI ones, each once, commented, with its default', () => {
    const { entries, problems } = parsed();
    assert.deepEqual(problems, []);
    assert.deepEqual(checkEnvExample(entries, SCHEMAS, CLI_ENV_NAMES), []);
  });

  it('catches a variable renamed in a schema, an unknown one, a wrong default and a missing comment', () => {
    const renamed: NamedSchema[] = SCHEMAS.map((s) =>
      s.component === 'gateway'
        ? { ...s, schema: GatewayEnv.omit({ LB_URL: true }).extend({ LOAD_BALANCER_URL: z.string() }) }
        : s,
    );
    const text = read('.env.example')
      .replace(/^CACHE_TTL=300$/m, 'CACHE_TTL=60')
      .replace(/^(# .*\n)(GATEWAY_PORT=)/m, '\n$2')
      .concat('# Not read by anything.\nLEGACY_FLAG=1\n');
    const { entries } = parseEnvExample(text);
    const problems = checkEnvExample(entries, renamed, CLI_ENV_NAMES);
    assert.ok(problems.includes('LOAD_BALANCER_URL is missing from .env.example'));
    assert.equal(matching(problems, /^LB_URL \(line \d+\) is read by no component$/).length, 1);
    assert.equal(matching(problems, /^LEGACY_FLAG \(line \d+\) is read by no component$/).length, 1);
    assert.ok(problems.includes('CACHE_TTL=60 is not the api-server default 300'));
    assert.equal(matching(problems, /^GATEWAY_PORT \(line \d+\) has no comment line above it$/).length, 1);
    const withoutCli = checkEnvExample(entries, SCHEMAS, CLI_ENV_NAMES.slice(1));
    assert.equal(matching(withoutCli, /^FLOODGATE_URL \(line \d+\) is read by no component$/).length, 1);
  });

  it('comments out exactly the variables without a shared default', () => {
    const text = read('.env.example')
      .replace(/^# UPSTREAM_CONNECTIONS=64$/m, 'UPSTREAM_CONNECTIONS=64')
      .replace(/^# REDIS_HOST=localhost$/m, 'REDIS_HOST=localhost')
      .replace(/^POSTGRES_DB=floodgate$/m, '# POSTGRES_DB=floodgate');
    const problems = checkEnvExample(parseEnvExample(text).entries, SCHEMAS, CLI_ENV_NAMES);
    assert.ok(
      problems.includes(
        'UPSTREAM_CONNECTIONS defaults differ (load-balancer 64, gateway 128): show it commented out',
      ),
    );
    assert.ok(problems.includes('REDIS_HOST has no default: show it commented out (# REDIS_HOST=...)'));
    assert.ok(problems.includes('POSTGRES_DB has a default ("floodgate"): list it uncommented'));
  });

  it("names only variables the CLI reads, and its active lines are `floodgate up`'s defaults", () => {
    const source = cliSources();
    for (const name of CLI_ENV_NAMES) assert.ok(source.includes(`env.${name}`), `the CLI reads ${name}`);

    const cliLines = Object.fromEntries(
      parsed()
        .entries.filter((e) => !e.commented && CLI_ENV_NAMES.includes(e.name))
        .map((e) => [e.name, e.value]),
    );
    assert.deepEqual(Object.keys(cliLines).sort(), [
      'FLOODGATE_API_PORTS',
      'FLOODGATE_DATA_DIR',
      'FLOODGATE_URL',
    ]);
    assert.deepEqual(resolveStackOptions({}, cliLines, ROOT), resolveStackOptions({}, {}, ROOT));
    assert.notDeepEqual(
      resolveStackOptions({}, { ...cliLines, FLOODGATE_API_PORTS: '3001,3002' }, ROOT),
      resolveStackOptions({}, {}, ROOT),
    );
    // `floodgate status --url` falls back to the same URL (yargs default in cli/src/commands).
    assert.match(source, new RegExp(`FLOODGATE_URL\\s*(?:\\|\\||\\?\\?)\\s*'${cliLines.FLOODGATE_URL}'`));
  });
});
