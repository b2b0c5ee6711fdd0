import { envNames } from '@floodgate/shared';
import type { IIoK8sApiCoreV1Container } from 'kubernetes-models/v1/Container';
import { COMPONENTS, type Component, type ComponentName, checkEnvAgainstSchema } from './compose-checks.js';
import {
  COMPONENT_NAMES,
  containerOf,
  dataOf,
  type EnvSource,
  envValues,
  findObject,
  K8S_COMPONENTS,
  type K8sObject,
  objectId,
  parseQuantity,
  podOf,
  resolveEnv,
  selectedComponents,
  type Workload,
  workloadOf,
} from './k8s-manifests.js';

/**
 * Policy checks of a rendered kustomize overlay (deploy/k8s/overlays/*). Each returns a list of
 * problems (empty = fine), so the tests can show that breaking a rule is reported.
 */

/** What differs between overlays. */
export interface OverlayPolicy {
  namespace: string;
  nodeEnv: 'development' | 'production';
  /** generated: the overlay makes floodgate-secrets from dev-only literals; external: it must already exist. */
  secret: 'generated' | 'external';
  /** Pods each component runs at least (HPA minReplicas or replicas). */
  minPods: number;
  /** The image every container runs. */
  image: string;
}

export interface K8sCheckOptions {
  /** The Dockerfile's ENTRYPOINT: what every container's `command` must be. */
  entrypoint: readonly string[];
  /** Whether a repository-relative path exists. */
  fileExists: (path: string) => boolean;
  components?: Readonly<Record<ComponentName, Component>>;
}

/** The Secret every credential comes from (kustomize appends a hash to a generated one). */
export const SECRET_NAME = 'floodgate-secrets';

/** Credentials, and the components that read each: only ever from the Secret, under its own name. */
export const SECRET_READERS: Readonly<Record<string, readonly ComponentName[]>> = {
  DATABASE_URL: ['gateway', 'api-server'],
  REDIS_URL: ['gateway', 'api-server'],
  API_KEY_SECRET: ['gateway'],
  LB_ADMIN_TOKEN: ['gateway', 'load-balancer'],
  INTERNAL_TOKEN: ['gateway', 'api-server'],
};
/** Also credentials, though no manifest sets them: they must never appear as plain values. */
const CREDENTIAL_NAMES = [...Object.keys(SECRET_READERS), 'POSTGRES_PASSWORD'];

export const READY_PATH = '/health/ready';
const LIVE_PATH = '/health/live';

/** A probe answer travels within the cluster; allowance for it on top of the balancers' probe gap. */
const PROBE_ROUND_TRIP_MS = 250;

/** PostgreSQL connections all pods may open at their HPA maximum (docs/deploy.md says to allow this many). */
export const PG_CONNECTION_BUDGET = 200;

const READINESS_PERIOD_DEFAULT_S = 10;
const GRACE_PERIOD_DEFAULT_S = 30;
const SPREAD_KEYS = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'];
/** The label each controller puts on the pods of one revision, so a rollout is spread on its own. */
const REVISION_LABEL: Readonly<Record<string, string>> = {
  Deployment: 'pod-template-hash',
  StatefulSet: 'controller-revision-hash',
};

interface ResolvedComponent {
  workload: Workload;
  container: IIoK8sApiCoreV1Container;
  env: Map<string, EnvSource>;
  /** The component's parsed config (schema defaults applied), or undefined when it does not parse. */
  config: Record<string, unknown> | undefined;
}

/** A component's workload, container, environment and parsed config. */
function resolveComponent(
  objects: readonly K8sObject[],
  component: ComponentName,
  components: Readonly<Record<ComponentName, Component>> = COMPONENTS,
): ResolvedComponent | undefined {
  const pod = podOf(objects, component);
  if (!pod) return undefined;
  const { workload, container } = pod;
  const { env } = resolveEnv(objects, container);
  const parsed = components[component].schema.safeParse(envValues(env, workload));
  return {
    workload,
    container,
    env,
    config: parsed.success ? (parsed.data as Record<string, unknown>) : undefined,
  };
}

/** The HPA scaling a workload, if any. */
function autoscalerOf(objects: readonly K8sObject[], workload: Workload): K8sObject | undefined {
  return objects.find((o) => {
    const ref = (o.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    return (
      o.kind === 'HorizontalPodAutoscaler' &&
      ref?.kind === workload.kind &&
      ref.name === workload.metadata.name
    );
  });
}

interface Scale {
  min: number;
  max: number;
}

function scaleOf(objects: readonly K8sObject[], workload: Workload): Scale {
  const hpa = autoscalerOf(objects, workload)?.spec as
    | { minReplicas?: number; maxReplicas?: number }
    | undefined;
  if (hpa) return { min: hpa.minReplicas ?? 1, max: hpa.maxReplicas ?? 1 };
  const replicas = workload.spec.replicas ?? 1;
  return { min: replicas, max: replicas };
}

/** One workload per component, of the right kind, with one container that runs the component's entry. */
export function checkWorkloads(objects: readonly K8sObject[], options: K8sCheckOptions): string[] {
  const components = options.components ?? COMPONENTS;
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const workload = workloadOf(objects, c);
    if (!workload) {
      problems.push(`${c}: no Deployment or StatefulSet runs it`);
      continue;
    }
    const { kind } = K8S_COMPONENTS[c];
    if (workload.kind !== kind || workload.metadata.name !== c) {
      problems.push(`${c}: must run as ${kind} ${c} (is ${objectId(workload)})`);
    }
    const containers = workload.spec.template.spec.containers;
    const container = containerOf(workload, c);
    if (containers.length !== 1 || !container) {
      problems.push(`${c}: the pod must have exactly one container, named ${c}`);
      continue;
    }
    if (JSON.stringify(container.command) !== JSON.stringify(options.entrypoint)) {
      problems.push(
        `${c}: command ${JSON.stringify(container.command)} must be the Dockerfile's ENTRYPOINT ${JSON.stringify(options.entrypoint)}`,
      );
    }
    const entry = components[c].entry;
    if (JSON.stringify(container.args) !== JSON.stringify([entry])) {
      problems.push(`${c}: args ${JSON.stringify(container.args)} must be ["${entry}"]`);
    } else if (!options.fileExists(entry)) {
      problems.push(`${c}: entry ${entry} does not exist in the repository`);
    }
  }
  return problems;
}

/** Each component has a Service selecting exactly its pods on the port its config listens on. */
export function checkServices(
  objects: readonly K8sObject[],
  options: Partial<K8sCheckOptions> = {},
): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const r = resolveComponent(objects, c, options.components);
    if (!r) continue;
    const portVar = (options.components ?? COMPONENTS)[c].portVar;
    const listens = r.config?.[portVar];
    const http = r.container.ports?.find((p) => p.name === 'http');
    if (!http) problems.push(`${c}: the container declares no port named http`);
    else if (http.containerPort !== listens) {
      problems.push(`${c}: containerPort ${http.containerPort} but ${portVar} is ${String(listens)}`);
    }
    const svc = findObject(objects, 'Service', c);
    const spec = svc?.spec as
      | {
          selector?: Record<string, string>;
          clusterIP?: string;
          publishNotReadyAddresses?: boolean;
          ports?: { port?: number; targetPort?: number | string }[];
        }
      | undefined;
    if (!svc || !spec) {
      problems.push(`${c}: no Service named ${c}`);
      continue;
    }
    const selected = selectedComponents(objects, spec.selector);
    if (selected.length !== 1 || selected[0] !== c) {
      problems.push(`Service ${c}: selects the pods of [${selected.join(', ')}], must select ${c} only`);
    }
    const port = spec.ports?.[0];
    if (spec.ports?.length !== 1 || port?.targetPort !== 'http' || port.port !== listens) {
      problems.push(`Service ${c}: must expose port ${String(listens)} to the container port named http`);
    }
    if (c === 'api-server') {
      if (spec.clusterIP !== 'None') problems.push('Service api-server: must be headless (clusterIP: None)');
      if (spec.publishNotReadyAddresses !== true) {
        problems.push(
          'Service api-server: publishNotReadyAddresses must be true (the balancers health-check pods)',
        );
      }
      if (r.workload.spec.serviceName !== c) {
        problems.push(`StatefulSet api-server: serviceName must be the headless Service ${c}`);
      }
    }
  }
  return problems;
}

/** The gateway reaches the balancer Service; the balancer lists every api-server pod the HPA may run. */
export function checkWiring(objects: readonly K8sObject[], options: Partial<K8sCheckOptions> = {}): string[] {
  const problems: string[] = [];
  const gateway = resolveComponent(objects, 'gateway', options.components);
  const lb = resolveComponent(objects, 'load-balancer', options.components);
  const api = resolveComponent(objects, 'api-server', options.components);
  if (!gateway?.config || !lb?.config || !api?.config) {
    return ['wiring: a component is missing or its config does not parse'];
  }
  const lbUrl = new URL(String(gateway.config.LB_URL));
  const expectedLb = `http://load-balancer:${String(lb.config.LB_PORT)}`;
  if (lbUrl.origin !== expectedLb) problems.push(`gateway: LB_URL ${lbUrl.origin} must be ${expectedLb}`);

  const { max } = scaleOf(objects, api.workload);
  const expected = Array.from(
    { length: max },
    (_, i) =>
      `http://${api.workload.metadata.name}-${i}.${api.workload.spec.serviceName}:${String(api.config?.PORT)}`,
  );
  const actual = (lb.config.API_SERVERS as string[]).map((u) => u.replace(/\|.*$/, ''));
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    problems.push(
      `load-balancer: API_SERVERS must list the ${max} api-server pods the HPA may run, ${expected[0]} … ${expected.at(-1)} (lists ${actual.length}: ${actual.join(',')})`,
    );
  }
  // A starting balancer counts every backend healthy until probed: the first probe comes within
  // interval × jitter, each next within the probe gap, and a failed probe takes up to the timeout.
  const interval = Number(lb.config.HEALTH_CHECK_INTERVAL_MS);
  const jitter = Number(lb.config.HEALTH_CHECK_JITTER);
  const markedDownMs =
    interval * jitter +
    (Number(lb.config.HEALTH_CHECK_FALL) - 1) * interval * (1 + jitter / 2) +
    Number(lb.config.HEALTH_CHECK_TIMEOUT_MS);
  const delayS = lb.container.startupProbe?.initialDelaySeconds ?? 0;
  if (delayS * 1000 < markedDownMs) {
    problems.push(
      `load-balancer: startupProbe.initialDelaySeconds ${delayS} must outlast marking absent api-server pods down (${markedDownMs} ms)`,
    );
  }
  const instance = api.env.get('INSTANCE_ID');
  if (instance?.from !== 'field' || instance.fieldPath !== 'metadata.name') {
    problems.push('api-server: INSTANCE_ID must be the pod name (fieldRef metadata.name)');
  }
  return problems;
}

/** Startup and readiness on /health/ready, liveness on /health/live, all on the http port. */
export function checkProbes(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const container = podOf(objects, c)?.container;
    if (!container) continue;
    const probes = {
      startupProbe: READY_PATH,
      readinessProbe: READY_PATH,
      livenessProbe: LIVE_PATH,
    } as const;
    for (const [name, path] of Object.entries(probes) as [keyof typeof probes, string][]) {
      const get = container[name]?.httpGet;
      if (!get) problems.push(`${c}: ${name} must be an httpGet on ${path}`);
      else {
        if (get.path !== path) problems.push(`${c}: ${name} probes ${get.path}, must probe ${path}`);
        if (get.port !== 'http') problems.push(`${c}: ${name} must probe the port named http`);
      }
    }
  }
  return problems;
}

/**
 * The stop sequence fits: a preStop sleep longer than a readiness period and shorter than the grace
 * period; sleep + SHUTDOWN_DELAY_MS (where the component reads it) + SHUTDOWN_TIMEOUT_MS inside the
 * grace period; the api-server's delay covers the balancers' probe gap, and a replaced api-server
 * stays "not yet available" until the balancers have seen it healthy.
 */
export function checkShutdown(
  objects: readonly K8sObject[],
  options: Partial<K8sCheckOptions> = {},
): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const r = resolveComponent(objects, c, options.components);
    if (!r) continue;
    const sleepS = r.container.lifecycle?.preStop?.sleep?.seconds;
    const periodS = r.container.readinessProbe?.periodSeconds ?? READINESS_PERIOD_DEFAULT_S;
    const graceS = r.workload.spec.template.spec.terminationGracePeriodSeconds ?? GRACE_PERIOD_DEFAULT_S;
    if (sleepS === undefined) {
      problems.push(`${c}: needs a preStop sleep`);
      continue;
    }
    if (!(sleepS > periodS)) {
      problems.push(`${c}: preStop sleep ${sleepS}s must be longer than the readiness period ${periodS}s`);
    }
    if (!(sleepS < graceS)) {
      problems.push(
        `${c}: preStop sleep ${sleepS}s must be shorter than terminationGracePeriodSeconds ${graceS}`,
      );
    }
    if (!r.config) continue;
    const delayMs = typeof r.config.SHUTDOWN_DELAY_MS === 'number' ? r.config.SHUTDOWN_DELAY_MS : 0;
    const drainMs = Number(r.config.SHUTDOWN_TIMEOUT_MS);
    const totalMs = sleepS * 1000 + delayMs + drainMs;
    if (!(totalMs < graceS * 1000)) {
      problems.push(
        `${c}: preStop ${sleepS}s + SHUTDOWN_DELAY_MS ${delayMs} + SHUTDOWN_TIMEOUT_MS ${drainMs} = ${totalMs} ms must fit in terminationGracePeriodSeconds ${graceS}`,
      );
    }
  }

  const api = resolveComponent(objects, 'api-server', options.components);
  const lb = resolveComponent(objects, 'load-balancer', options.components)?.config;
  if (api?.config && lb) {
    const interval = Number(lb.HEALTH_CHECK_INTERVAL_MS);
    const gapMs = interval * (1 + Number(lb.HEALTH_CHECK_JITTER) / 2);
    const delayMs = Number(api.config.SHUTDOWN_DELAY_MS);
    if (delayMs < gapMs + PROBE_ROUND_TRIP_MS) {
      problems.push(
        `api-server: SHUTDOWN_DELAY_MS ${delayMs} must cover the balancers' probe gap ${gapMs} ms + ${PROBE_ROUND_TRIP_MS} ms`,
      );
    }
    const riseMs = Number(lb.HEALTH_CHECK_RISE) * gapMs;
    const minReadyS = api.workload.spec.minReadySeconds ?? 0;
    if (minReadyS * 1000 < riseMs) {
      problems.push(
        `api-server: minReadySeconds ${minReadyS} must cover HEALTH_CHECK_RISE probes (${riseMs} ms) before the next pod is replaced`,
      );
    }
  }
  return problems;
}

/** Integer or percentage of `pods`, rounded up as the disruption controller does. */
function countOf(value: number | string | undefined, pods: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const pct = /^(\d+)%$/.exec(value);
  return pct ? Math.ceil((pods * Number(pct[1])) / 100) : Number.NaN;
}

/** One PDB per component, selecting its pods only, that lets a node drain evict one and keeps one. */
export function checkDisruptionBudgets(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const c of COMPONENT_NAMES) {
    const workload = workloadOf(objects, c);
    if (!workload) continue;
    const mine = pdbs.filter((p) => {
      const sel = (p.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
      return selectedComponents(objects, sel).includes(c);
    });
    if (mine.length !== 1 || !mine[0]) {
      problems.push(`${c}: needs exactly one PodDisruptionBudget (has ${mine.length})`);
      continue;
    }
    const pdb = mine[0];
    const spec = pdb.spec as {
      selector?: { matchLabels?: Record<string, string> };
      maxUnavailable?: number | string;
      minAvailable?: number | string;
      unhealthyPodEvictionPolicy?: string;
    };
    const selected = selectedComponents(objects, spec.selector?.matchLabels);
    if (selected.length !== 1) {
      problems.push(`${objectId(pdb)}: selects the pods of [${selected.join(', ')}], must select ${c} only`);
    }
    const { min } = scaleOf(objects, workload);
    const maxUnavailable = countOf(spec.maxUnavailable, min);
    const minAvailable = countOf(spec.minAvailable, min);
    const evictable = maxUnavailable ?? (minAvailable === undefined ? 0 : min - minAvailable);
    if (!(evictable >= 1)) {
      problems.push(`${objectId(pdb)}: allows no eviction at ${min} pod(s), so a node drain would hang`);
    } else if (min >= 2 && min - evictable < 1) {
      problems.push(`${objectId(pdb)}: lets every one of ${min} pods go at once`);
    }
    if (spec.unhealthyPodEvictionPolicy !== 'AlwaysAllow') {
      problems.push(
        `${objectId(pdb)}: unhealthyPodEvictionPolicy must be AlwaysAllow (a not-ready pod protects nothing)`,
      );
    }
  }
  return problems;
}

/** CPU HPAs own the gateway and api-server counts; the balancer has a fixed count; all at least minPods. */
export function checkAutoscalers(objects: readonly K8sObject[], policy: OverlayPolicy): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const workload = workloadOf(objects, c);
    if (!workload) continue;
    const hpa = autoscalerOf(objects, workload);
    const { min, max } = scaleOf(objects, workload);
    if (K8S_COMPONENTS[c].autoscaled) {
      if (!hpa) {
        problems.push(`${c}: needs a HorizontalPodAutoscaler`);
        continue;
      }
      const spec = hpa.spec as {
        scaleTargetRef: { apiVersion?: string };
        metrics?: {
          type?: string;
          resource?: { name?: string; target?: { type?: string; averageUtilization?: number } };
        }[];
      };
      if (spec.scaleTargetRef.apiVersion !== workload.apiVersion) {
        problems.push(`${objectId(hpa)}: scaleTargetRef.apiVersion must be ${workload.apiVersion}`);
      }
      const cpu = spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource
        ?.target;
      const utilization = cpu?.averageUtilization ?? 0;
      if (cpu?.type !== 'Utilization' || utilization <= 0 || utilization > 100) {
        problems.push(`${objectId(hpa)}: must scale on CPU utilization (a percentage of the request)`);
      }
      if (min > max) problems.push(`${objectId(hpa)}: minReplicas ${min} exceeds maxReplicas ${max}`);
      if (workload.spec.replicas !== undefined) {
        problems.push(
          `${objectId(workload)}: must not set replicas (every apply would undo the HPA's count)`,
        );
      }
    } else if (hpa) {
      problems.push(`${c}: has a HorizontalPodAutoscaler, but its count is fixed`);
    }
    if (min < policy.minPods) problems.push(`${c}: runs at least ${min} pod(s), must run ${policy.minPods}`);
  }
  return problems;
}

/** Every container requests CPU and memory and is limited in both, limits not below requests. */
export function checkResources(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const container = podOf(objects, c)?.container;
    if (!container) continue;
    for (const resource of ['cpu', 'memory']) {
      const request = parseQuantity(container.resources?.requests?.[resource] as string | undefined);
      const limit = parseQuantity(container.resources?.limits?.[resource] as string | undefined);
      if (!(request > 0)) problems.push(`${c}: needs a ${resource} request`);
      if (!(limit > 0)) problems.push(`${c}: needs a ${resource} limit`);
      else if (limit < request) problems.push(`${c}: ${resource} limit is below its request`);
    }
  }
  return problems;
}

/** The "restricted" Pod Security profile and more: non-root, read-only root, no capabilities, no token. */
export function checkSecurity(objects: readonly K8sObject[], policy: OverlayPolicy): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const found = podOf(objects, c);
    if (!found) continue;
    const { workload, container } = found;
    const pod = workload.spec.template.spec;
    const psc = pod.securityContext;
    if (psc?.runAsNonRoot !== true) problems.push(`${c}: pod securityContext.runAsNonRoot must be true`);
    if (!(Number.isInteger(psc?.runAsUser) && (psc?.runAsUser ?? 0) > 0)) {
      problems.push(
        `${c}: pod securityContext.runAsUser must be a non-zero uid (the image's user is a name)`,
      );
    }
    if (psc?.seccompProfile?.type !== 'RuntimeDefault')
      problems.push(`${c}: pod seccompProfile must be RuntimeDefault`);
    if (pod.automountServiceAccountToken !== false)
      problems.push(`${c}: automountServiceAccountToken must be false`);
    const account = findObject(objects, 'ServiceAccount', pod.serviceAccountName ?? '');
    if (account?.automountServiceAccountToken !== false) {
      problems.push(`${c}: must run as a rendered ServiceAccount that mounts no token`);
    }
    if (pod.enableServiceLinks !== false) {
      problems.push(
        `${c}: enableServiceLinks must be false (a Service named redis would set REDIS_PORT=tcp://…)`,
      );
    }
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC)
      problems.push(`${c}: must not share the host's namespaces`);

    const sc = container.securityContext;
    if (sc?.allowPrivilegeEscalation !== false) problems.push(`${c}: allowPrivilegeEscalation must be false`);
    if (sc?.readOnlyRootFilesystem !== true) problems.push(`${c}: readOnlyRootFilesystem must be true`);
    if (sc?.runAsNonRoot !== true) problems.push(`${c}: container securityContext.runAsNonRoot must be true`);
    if (sc?.privileged === true) problems.push(`${c}: must not be privileged`);
    if (!sc?.capabilities?.drop?.includes('ALL') || (sc.capabilities.add ?? []).length > 0) {
      problems.push(`${c}: must drop ALL capabilities and add none`);
    }
    if (sc?.seccompProfile?.type !== 'RuntimeDefault') {
      problems.push(`${c}: container seccompProfile must be RuntimeDefault`);
    }
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    const volume = pod.volumes?.find((v) => v.name === tmp?.name);
    if (!tmp || !volume?.emptyDir || tmp.readOnly) {
      problems.push(`${c}: /tmp must be a writable emptyDir (the root filesystem is read-only)`);
    }
  }
  const ns = findObject(objects, 'Namespace', policy.namespace);
  if (ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
    problems.push(
      `Namespace ${policy.namespace}: must be rendered and enforce the restricted Pod Security profile`,
    );
  }
  for (const o of objects) {
    if (o.kind !== 'Namespace' && o.metadata.namespace !== policy.namespace) {
      problems.push(`${objectId(o)}: must be in the namespace ${policy.namespace}`);
    }
  }
  return problems;
}

/** Spread over zones and nodes, counting only the component's own pods of the same revision. */
export function checkTopologySpread(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const w = workloadOf(objects, c);
    if (!w) continue;
    const constraints = w.spec.template.spec.topologySpreadConstraints ?? [];
    for (const key of SPREAD_KEYS) {
      const tsc = constraints.find((t) => t.topologyKey === key);
      if (!tsc) {
        problems.push(`${c}: needs a topologySpreadConstraint over ${key}`);
        continue;
      }
      const selected = selectedComponents(objects, tsc.labelSelector?.matchLabels);
      if (selected.length !== 1 || selected[0] !== c) {
        problems.push(
          `${c}: the spread over ${key} counts the pods of [${selected.join(', ')}], must count ${c}'s`,
        );
      }
      const revision = REVISION_LABEL[w.kind];
      if (revision && !tsc.matchLabelKeys?.includes(revision)) {
        problems.push(
          `${c}: the spread over ${key} must list matchLabelKeys ${revision} (rollouts spread on their own)`,
        );
      }
    }
  }
  return problems;
}

/**
 * Credentials come only from the Secret, each under its own key, and nowhere else; a generated
 * (dev) Secret holds every referenced key with dev-only values; prod renders no Secret at all.
 */
export function checkSecrets(objects: readonly K8sObject[], policy: OverlayPolicy): string[] {
  const problems: string[] = [];
  const secrets = objects.filter((o) => o.kind === 'Secret');
  let secretName = SECRET_NAME;
  if (policy.secret === 'external') {
    for (const s of secrets)
      problems.push(
        `${objectId(s)}: this overlay must not render a Secret (it uses the existing ${SECRET_NAME})`,
      );
  } else {
    const generated = secrets.find((s) => s.metadata.name.startsWith(`${SECRET_NAME}-`));
    if (!generated) problems.push(`the overlay must generate the Secret ${SECRET_NAME}`);
    else secretName = generated.metadata.name;
  }

  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const key of Object.keys((cm.data as Record<string, string> | undefined) ?? {})) {
      if (CREDENTIAL_NAMES.includes(key))
        problems.push(`${objectId(cm)}: ${key} is a credential; it belongs in ${SECRET_NAME}`);
    }
  }
  const referenced = new Set<string>();
  for (const c of COMPONENT_NAMES) {
    const container = podOf(objects, c)?.container;
    if (!container) continue;
    const { env } = resolveEnv(objects, container);
    for (const [name, source] of env) {
      if (source.from === 'secret') {
        referenced.add(source.key);
        if (source.secret !== secretName)
          problems.push(`${c}: ${name} comes from Secret ${source.secret}, must come from ${secretName}`);
        const ref = container.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
        if (ref?.optional)
          problems.push(`${c}: ${name} must not be optional (a missing credential should stop the pod)`);
      } else if (CREDENTIAL_NAMES.includes(name)) {
        problems.push(
          `${c}: ${name} is a credential; it must come from ${SECRET_NAME}, not a ${source.from}`,
        );
      }
    }
    for (const [name, readers] of Object.entries(SECRET_READERS)) {
      const source = env.get(name);
      if (readers.includes(c) && (source?.from !== 'secret' || source.key !== name)) {
        problems.push(`${c}: must read ${name} from key ${name} of ${SECRET_NAME}`);
      }
    }
  }

  if (policy.secret === 'generated') {
    const data = dataOf(objects, 'Secret', secretName) ?? {};
    for (const key of referenced)
      if (!(key in data)) problems.push(`Secret ${secretName}: lacks ${key}, which pods read`);
    for (const [key, value] of Object.entries(data)) {
      const credential = key === 'DATABASE_URL' ? URL.canParse(value) && new URL(value).password : value;
      if (key !== 'REDIS_URL' && !String(credential).includes('dev-only')) {
        problems.push(`Secret ${secretName}: ${key} must be an obviously dev-only placeholder`);
      }
    }
  }
  return problems;
}

/**
 * Every variable a container gets is one its component's schema reads, every known value parses,
 * NODE_ENV is the overlay's, and production never asks for the dev seed.
 */
export function checkEnvironment(
  objects: readonly K8sObject[],
  policy: OverlayPolicy,
  options: Partial<K8sCheckOptions> = {},
): string[] {
  const components = options.components ?? COMPONENTS;
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const pod = podOf(objects, c);
    if (!pod) continue;
    const { env, problems: refs } = resolveEnv(objects, pod.container);
    problems.push(...refs);
    const schema = components[c].schema;
    const values = envValues(env, pod.workload);
    problems.push(...checkEnvAgainstSchema(c, values, schema));
    const known = new Set(envNames(schema));
    for (const name of env.keys()) {
      if (!(name in values) && !known.has(name))
        problems.push(`${c}: ${name} is not a variable of its component's schema`);
    }
    if (values.NODE_ENV !== policy.nodeEnv) {
      problems.push(`${c}: NODE_ENV must be "${policy.nodeEnv}" (is ${values.NODE_ENV ?? 'unset'})`);
    }
    if (policy.nodeEnv === 'production' && env.has('SEED_DEV_DATA')) {
      problems.push(`${c}: SEED_DEV_DATA is ignored in production; do not set it there`);
    }
  }
  return problems;
}

/** Every container runs the overlay's image. */
export function checkImages(objects: readonly K8sObject[], policy: OverlayPolicy): string[] {
  const problems: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const pod = podOf(objects, c);
    if (pod && pod.container.image !== policy.image) {
      problems.push(`${c}: runs ${pod.container.image}, must run ${policy.image}`);
    }
  }
  return problems;
}

/** PG_POOL_MAX × the most pods of every component that uses PostgreSQL stays within the budget. */
export function checkDatabaseConnections(
  objects: readonly K8sObject[],
  options: Partial<K8sCheckOptions> & { budget?: number } = {},
): string[] {
  const budget = options.budget ?? PG_CONNECTION_BUDGET;
  let total = 0;
  const parts: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const r = resolveComponent(objects, c, options.components);
    const pool = r?.config?.PG_POOL_MAX;
    if (!r || typeof pool !== 'number') continue;
    const { max } = scaleOf(objects, r.workload);
    total += pool * max;
    parts.push(`${c} ${max} × ${pool}`);
  }
  return total > budget
    ? [`PostgreSQL connections at the HPA maximum: ${parts.join(' + ')} = ${total} > ${budget}`]
    : [];
}

/** Every check above. */
export function checkOverlay(
  objects: readonly K8sObject[],
  policy: OverlayPolicy,
  options: K8sCheckOptions,
): string[] {
  return [
    ...checkWorkloads(objects, options),
    ...checkServices(objects, options),
    ...checkWiring(objects, options),
    ...checkProbes(objects),
    ...checkShutdown(objects, options),
    ...checkDisruptionBudgets(objects),
    ...checkAutoscalers(objects, policy),
    ...checkResources(objects),
    ...checkSecurity(objects, policy),
    ...checkTopologySpread(objects),
    ...checkSecrets(objects, policy),
    ...checkEnvironment(objects, policy, options),
    ...checkImages(objects, policy),
    ...checkDatabaseConnections(objects, options),
  ];
}
