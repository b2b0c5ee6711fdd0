import {
  ApiServerEnv,
  envNames,
  GatewayEnv,
  LoadBalancerEnv,
  toPostgresConfig,
  toRedisConfig,
} from '@floodgate/shared';
import type { z } from 'zod';

/**
 * Static checks of the compose files and the Prometheus config against the env schemas. Each check
 * returns a list of problems (empty = fine) so the tests can also prove that a broken input is caught.
 */

export interface Component {
  /** Source entry the image runs for this component (the compose `command`). */
  entry: string;
  schema: z.ZodObject;
  /** Env var holding the listening port. */
  portVar: string;
  /** Path the container healthcheck must probe. */
  healthPath: string;
}

export type ComponentName = 'api-server' | 'load-balancer' | 'gateway';

export const COMPONENTS: Readonly<Record<ComponentName, Component>> = {
  'api-server': {
    entry: 'api-server/src/main.ts',
    schema: ApiServerEnv,
    portVar: 'PORT',
    healthPath: '/health/ready',
  },
  'load-balancer': {
    entry: 'load-balancer/src/main.ts',
    schema: LoadBalancerEnv,
    portVar: 'LB_PORT',
    healthPath: '/health',
  },
  gateway: {
    entry: 'gateway/src/main.ts',
    schema: GatewayEnv,
    portVar: 'GATEWAY_PORT',
    healthPath: '/health',
  },
};

export const API_SERVICES = ['api-1', 'api-2', 'api-3'] as const;
const GATEWAY_SERVICES = ['gateway-1', 'gateway-2'] as const;
const APP_SERVICES = [...API_SERVICES, 'load-balancer', ...GATEWAY_SERVICES] as const;
const FULL_STACK_SERVICES = ['postgres', 'redis', ...APP_SERVICES, 'prometheus'] as const;

/** Host ports the full stack publishes for each gateway replica. */
const GATEWAY_HOST_PORTS: Readonly<Record<string, number>> = { 'gateway-1': 8080, 'gateway-2': 8081 };

export interface ComposeService {
  image?: unknown;
  build?: unknown;
  command?: unknown;
  environment?: unknown;
  ports?: unknown;
  healthcheck?: { test?: unknown } | undefined;
  depends_on?: unknown;
  volumes?: unknown;
}

export interface ComposeFile {
  services?: Record<string, ComposeService>;
}

export interface PortMapping {
  host: number | undefined;
  container: number;
}

type Env = Record<string, string>;

/** A service's environment as strings; compose rejects booleans, so they are reported. */
function serviceEnv(name: string, svc: ComposeService): { env: Env; problems: string[] } {
  const env: Env = {};
  const problems: string[] = [];
  const raw = svc.environment;
  if (raw === undefined) return { env, problems };
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const s = String(item);
      const eq = s.indexOf('=');
      if (eq <= 0) problems.push(`${name}: environment entry "${s}" has no value`);
      else env[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return { env, problems };
  }
  if (typeof raw !== 'object' || raw === null) {
    return { env, problems: [`${name}: environment is neither a map nor a list`] };
  }
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') env[key] = value;
    else if (typeof value === 'number') env[key] = String(value);
    else problems.push(`${name}: ${key} must be a string or a number (got ${JSON.stringify(value)})`);
  }
  return { env, problems };
}

/** The component a service runs, recognised by its `command` (the entry file given to the image). */
function componentOf(
  svc: ComposeService,
  components: Readonly<Record<ComponentName, Component>> = COMPONENTS,
): ComponentName | undefined {
  const args = commandArgs(svc);
  const entry = args[args.length - 1];
  return (Object.keys(components) as ComponentName[]).find((c) => components[c].entry === entry);
}

function commandArgs(svc: ComposeService): string[] {
  if (Array.isArray(svc.command)) return svc.command.map(String);
  if (typeof svc.command === 'string') return svc.command.split(/\s+/).filter(Boolean);
  return [];
}

/** Short ("8081:8080", "127.0.0.1:8080:8080/tcp") and long ({target, published}) port syntax. */
function portMappings(svc: ComposeService): PortMapping[] {
  if (!Array.isArray(svc.ports)) return [];
  return svc.ports.map((p): PortMapping => {
    if (typeof p === 'object' && p !== null) {
      const o = p as { target?: unknown; published?: unknown };
      return {
        container: Number(o.target),
        host: o.published === undefined ? undefined : Number(o.published),
      };
    }
    const parts = String(p)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts[parts.length - 1]);
    const host = parts.length >= 2 ? Number(parts[parts.length - 2]) : undefined;
    return { container, host };
  });
}

/** The URL a healthcheck probes, if its command contains one. */
function healthcheckUrl(svc: ComposeService): URL | undefined {
  const test = svc.healthcheck?.test;
  const text = Array.isArray(test) ? test.join(' ') : typeof test === 'string' ? test : '';
  const match = /https?:\/\/[^\s'"`)]+/.exec(text);
  return match ? new URL(match[0]) : undefined;
}

/** Names of the services a service depends on, with the condition each waits for. */
function dependsOn(svc: ComposeService): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const raw = svc.depends_on;
  if (Array.isArray(raw)) for (const name of raw) out.set(String(name), undefined);
  else if (raw && typeof raw === 'object') {
    for (const [name, spec] of Object.entries(raw)) {
      const condition = (spec as { condition?: unknown } | null)?.condition;
      out.set(name, typeof condition === 'string' ? condition : undefined);
    }
  }
  return out;
}

/** Env names unknown to the schema, and values the schema refuses (naming the variable). */
export function checkEnvAgainstSchema(service: string, env: Env, schema: z.ZodObject): string[] {
  const problems: string[] = [];
  const known = new Set(envNames(schema));
  for (const key of Object.keys(env)) {
    if (!known.has(key)) problems.push(`${service}: ${key} is not a variable of its component's schema`);
  }
  const result = schema.safeParse(env);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`${service}: ${String(issue.path[0])} is invalid: ${issue.message}`);
    }
  }
  return problems;
}

interface AppService {
  name: string;
  component: ComponentName;
  env: Env;
  /** The schema's parsed output (defaults applied); undefined when the env does not parse. */
  parsed: Record<string, unknown> | undefined;
  port: number | undefined;
}

export interface FullStackOptions {
  components?: Readonly<Record<ComponentName, Component>>;
  /** Whether a repository-relative path exists. */
  fileExists: (path: string) => boolean;
}

/** Everything docker-compose.yml must satisfy; see test/deployment/deployment.test.ts. */
export function checkFullStack(compose: ComposeFile, options: FullStackOptions): string[] {
  const components = options.components ?? COMPONENTS;
  const problems: string[] = [];
  const services = compose.services ?? {};
  for (const name of FULL_STACK_SERVICES) {
    if (!services[name]) problems.push(`service ${name} is missing`);
  }

  const apps = new Map<string, AppService>();
  for (const name of APP_SERVICES) {
    const svc = services[name];
    if (!svc) continue;
    const component = componentOf(svc, components);
    const expected: ComponentName = name.startsWith('api-')
      ? 'api-server'
      : name === 'load-balancer'
        ? 'load-balancer'
        : 'gateway';
    if (component !== expected) {
      problems.push(
        `${name}: command must be ["${components[expected].entry}"] (runs ${component ?? 'nothing'})`,
      );
      continue;
    }
    const entry = components[component].entry;
    if (!options.fileExists(entry)) problems.push(`${name}: entry ${entry} does not exist in the repository`);
    const { env, problems: envProblems } = serviceEnv(name, svc);
    problems.push(...envProblems);
    const schema = components[component].schema;
    problems.push(...checkEnvAgainstSchema(name, env, schema));
    const result = schema.safeParse(env);
    const parsed = result.success ? (result.data as Record<string, unknown>) : undefined;
    const portValue = parsed?.[components[component].portVar];
    apps.set(name, {
      name,
      component,
      env,
      parsed,
      port: typeof portValue === 'number' ? portValue : undefined,
    });
    problems.push(...checkPortsAndHealth(name, svc, components[component], apps.get(name)?.port));
    if (env.NODE_ENV !== 'production')
      problems.push(`${name}: NODE_ENV must be "production" in the full stack`);
    if (parsed && env.NODE_ENV === 'production' && env.SEED_DEV_DATA !== undefined) {
      problems.push(`${name}: SEED_DEV_DATA is ignored in production; do not set it there`);
    }
  }

  problems.push(...checkSameImage(services));
  problems.push(...checkApiServers(apps));
  problems.push(...checkLoadBalancer(apps));
  problems.push(...checkGateways(services, apps));
  problems.push(...checkDataServices(services, apps));
  problems.push(...checkDependencies(services));
  return problems;
}

function checkPortsAndHealth(
  name: string,
  svc: ComposeService,
  component: Component,
  port: number | undefined,
): string[] {
  if (port === undefined) return [`${name}: ${component.portVar} does not parse, ports cannot be checked`];
  const problems: string[] = [];
  const mappings = portMappings(svc);
  if (mappings.length === 0) problems.push(`${name}: publishes no port`);
  for (const m of mappings) {
    if (m.container !== port) {
      problems.push(`${name}: port mapping targets ${m.container} but ${component.portVar} is ${port}`);
    }
  }
  const url = healthcheckUrl(svc);
  if (!url) problems.push(`${name}: healthcheck probes no URL`);
  else {
    if (Number(url.port) !== port) {
      problems.push(`${name}: healthcheck probes port ${url.port} but ${component.portVar} is ${port}`);
    }
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) {
      problems.push(`${name}: healthcheck must probe the container itself, not ${url.hostname}`);
    }
    if (url.pathname !== component.healthPath) {
      problems.push(`${name}: healthcheck probes ${url.pathname}, expected ${component.healthPath}`);
    }
  }
  return problems;
}

function checkSameImage(services: Record<string, ComposeService>): string[] {
  const problems: string[] = [];
  const first = services[APP_SERVICES[0]];
  const reference = JSON.stringify({ image: first?.image, build: first?.build });
  for (const name of APP_SERVICES) {
    const svc = services[name];
    if (!svc) continue;
    const build = svc.build as { context?: unknown } | string | undefined;
    const context = typeof build === 'string' ? build : build?.context;
    if (context !== '.') problems.push(`${name}: must build the repository's Dockerfile (build context ".")`);
    if (JSON.stringify({ image: svc.image, build: svc.build }) !== reference) {
      problems.push(`${name}: must use the same image as ${APP_SERVICES[0]}`);
    }
  }
  return problems;
}

function checkApiServers(apps: Map<string, AppService>): string[] {
  const problems: string[] = [];
  const ports = new Set<number>();
  API_SERVICES.forEach((name, i) => {
    const app = apps.get(name);
    if (!app) return;
    if (app.port !== 3001 + i) problems.push(`${name}: PORT must be ${3001 + i} (got ${app.port})`);
    if (app.port !== undefined) ports.add(app.port);
    if (app.env.INSTANCE_ID !== name) problems.push(`${name}: INSTANCE_ID must be "${name}"`);
  });
  if (ports.size !== API_SERVICES.length) problems.push('api servers must listen on distinct ports');
  return problems;
}

function checkLoadBalancer(apps: Map<string, AppService>): string[] {
  const lb = apps.get('load-balancer');
  if (!lb?.parsed) return [];
  const problems: string[] = [];
  if (lb.port !== 3000) problems.push(`load-balancer: LB_PORT must be 3000 (got ${lb.port})`);
  const list = lb.parsed.API_SERVERS;
  if (!Array.isArray(list)) return ['load-balancer: API_SERVERS is not read by the load-balancer schema'];
  const backends = list.map((u) => new URL(String(u)));
  const expected = API_SERVICES.map((name) => `${name}:${apps.get(name)?.port}`);
  const actual = backends.map((u) => `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
  for (const target of expected) {
    if (!actual.includes(target)) problems.push(`load-balancer: API_SERVERS lacks http://${target}`);
  }
  for (const target of actual) {
    if (!expected.includes(target)) {
      problems.push(`load-balancer: API_SERVERS entry ${target} is not an api-server service and port`);
    }
  }
  return problems;
}

function checkGateways(services: Record<string, ComposeService>, apps: Map<string, AppService>): string[] {
  const problems: string[] = [];
  const lbPort = apps.get('load-balancer')?.port;
  for (const name of GATEWAY_SERVICES) {
    const gw = apps.get(name);
    if (!gw?.parsed) continue;
    if (typeof gw.parsed.LB_URL !== 'string') {
      problems.push(`${name}: LB_URL is not read by the gateway schema`);
      continue;
    }
    const lbUrl = new URL(gw.parsed.LB_URL);
    if (lbUrl.hostname !== 'load-balancer' || Number(lbUrl.port) !== lbPort) {
      problems.push(`${name}: LB_URL ${lbUrl.origin} must be http://load-balancer:${lbPort}`);
    }
    const hostPorts = portMappings(services[name] ?? {}).map((m) => m.host);
    if (!hostPorts.includes(GATEWAY_HOST_PORTS[name])) {
      problems.push(`${name}: must publish host port ${GATEWAY_HOST_PORTS[name]}`);
    }
  }
  return problems;
}

/** Services using PostgreSQL/Redis must point at the compose services with matching credentials. */
function checkDataServices(
  services: Record<string, ComposeService>,
  apps: Map<string, AppService>,
): string[] {
  const problems: string[] = [];
  const pg = services.postgres ? serviceEnv('postgres', services.postgres).env : {};
  const pgUser = pg.POSTGRES_USER ?? 'postgres';
  const expectedPg = `postgres://${encodeURIComponent(pgUser)}:${encodeURIComponent(pg.POSTGRES_PASSWORD ?? '')}@postgres:5432/${encodeURIComponent(pg.POSTGRES_DB ?? pgUser)}`;
  if (!pg.POSTGRES_PASSWORD) problems.push('postgres: POSTGRES_PASSWORD must be set (the image requires it)');
  for (const app of apps.values()) {
    if (!app.parsed) continue;
    const names = new Set(Object.keys(app.parsed));
    if (names.has('POSTGRES_HOST')) {
      const url = toPostgresConfig(app.parsed as Parameters<typeof toPostgresConfig>[0]).url;
      if (url !== expectedPg) {
        problems.push(`${app.name}: PostgreSQL settings give ${url}, expected ${expectedPg}`);
      }
    }
    if (names.has('REDIS_HOST')) {
      const url = toRedisConfig(app.parsed as Parameters<typeof toRedisConfig>[0]).url;
      if (url !== 'redis://redis:6379')
        problems.push(`${app.name}: Redis must be redis://redis:6379 (got ${url})`);
    }
  }
  return problems;
}

/** Every dependency waits for a healthy service, and every service depended upon has a healthcheck. */
function checkDependencies(services: Record<string, ComposeService>): string[] {
  const problems: string[] = [];
  const required: Record<string, readonly string[]> = {
    'api-1': ['postgres', 'redis'],
    'api-2': ['postgres', 'redis'],
    'api-3': ['postgres', 'redis'],
    'load-balancer': API_SERVICES,
    'gateway-1': ['load-balancer', 'postgres', 'redis'],
    'gateway-2': ['load-balancer', 'postgres', 'redis'],
  };
  for (const [name, svc] of Object.entries(services)) {
    const deps = dependsOn(svc);
    for (const need of required[name] ?? []) {
      if (!deps.has(need)) problems.push(`${name}: must depend on ${need}`);
    }
    for (const [dep, condition] of deps) {
      if (!services[dep]) problems.push(`${name}: depends on unknown service ${dep}`);
      else if (!services[dep].healthcheck?.test)
        problems.push(`${name}: depends on ${dep}, which has no healthcheck`);
      if (condition !== 'service_healthy') {
        problems.push(`${name}: depends_on ${dep} must use condition: service_healthy`);
      }
    }
  }
  for (const name of ['postgres', 'redis', ...APP_SERVICES]) {
    if (services[name] && !services[name].healthcheck?.test) problems.push(`${name}: has no healthcheck`);
  }
  return problems;
}

export interface PrometheusConfig {
  scrape_configs?: Array<{
    job_name?: string;
    metrics_path?: string;
    static_configs?: Array<{ targets?: string[] }>;
  }>;
}

/** Prometheus scrapes /metrics of exactly the app services, each on its configured port. */
export function checkPrometheus(
  prom: PrometheusConfig,
  compose: ComposeFile,
  options: FullStackOptions & { promConfigPath: string },
): string[] {
  const components = options.components ?? COMPONENTS;
  const problems: string[] = [];
  const services = compose.services ?? {};
  const expected = new Set<string>();
  for (const name of APP_SERVICES) {
    const svc = services[name];
    const component = svc && componentOf(svc, components);
    if (!svc || !component) continue;
    const parsed = components[component].schema.safeParse(serviceEnv(name, svc).env);
    if (parsed.success) {
      expected.add(`${name}:${(parsed.data as Record<string, unknown>)[components[component].portVar]}`);
    }
  }
  const actual = new Set<string>();
  for (const job of prom.scrape_configs ?? []) {
    if ((job.metrics_path ?? '/metrics') !== '/metrics') {
      problems.push(`prometheus job ${job.job_name}: metrics_path must be /metrics`);
    }
    for (const sc of job.static_configs ?? []) for (const t of sc.targets ?? []) actual.add(t);
  }
  for (const t of expected) if (!actual.has(t)) problems.push(`prometheus does not scrape ${t}`);
  for (const t of actual)
    if (!expected.has(t)) problems.push(`prometheus scrapes ${t}, which is no service port`);

  const prometheus = services.prometheus;
  if (prometheus) {
    const mounts = (Array.isArray(prometheus.volumes) ? prometheus.volumes : []).map(String);
    const mount = mounts.find((v) => v.split(':')[0]?.replace(/^\.\//, '') === options.promConfigPath);
    if (!mount) problems.push(`prometheus: does not mount ./${options.promConfigPath}`);
    else {
      const target = mount.split(':')[1];
      const args = commandArgs(prometheus);
      if (!args.includes(`--config.file=${target}`)) {
        problems.push(`prometheus: --config.file must name the mounted ${target}`);
      }
    }
    if (!options.fileExists(options.promConfigPath))
      problems.push(`${options.promConfigPath} does not exist`);
  }
  return problems;
}

/** docker-compose.dev.yml: PostgreSQL and Redis only, on their standard ports, with healthchecks. */
export function checkDevCompose(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  const names = Object.keys(services).sort();
  if (JSON.stringify(names) !== JSON.stringify(['postgres', 'redis'])) {
    problems.push(`dev compose must hold exactly postgres and redis (has ${names.join(', ')})`);
  }
  const wanted: Record<string, number> = { postgres: 5432, redis: 6379 };
  for (const [name, port] of Object.entries(wanted)) {
    const svc = services[name];
    if (!svc) continue;
    const ok = portMappings(svc).some((m) => m.host === port && m.container === port);
    if (!ok) problems.push(`dev ${name}: must publish ${port}:${port}`);
    if (!svc.healthcheck?.test) problems.push(`dev ${name}: has no healthcheck`);
  }
  const pg = services.postgres ? serviceEnv('postgres', services.postgres).env : {};
  // The defaults every component falls back to must reach this database unchanged.
  const defaults = ApiServerEnv.parse({});
  if ((pg.POSTGRES_DB ?? pg.POSTGRES_USER ?? 'postgres') !== defaults.POSTGRES_DB) {
    problems.push(`dev postgres: POSTGRES_DB must be the schema default "${defaults.POSTGRES_DB}"`);
  }
  if ((pg.POSTGRES_PASSWORD ?? '') !== defaults.POSTGRES_PASSWORD) {
    problems.push('dev postgres: POSTGRES_PASSWORD must be the schema default');
  }
  return problems;
}
