import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApiServerEnv, GatewayEnv } from '@floodgate/shared';
import type { IIoK8sApiCoreV1Container } from 'kubernetes-models/v1/Container';
import { z } from 'zod';
import { COMPONENTS, type ComponentName } from './compose-checks.js';
import { execForm, parseDockerfile, stages } from './dockerfile-checks.js';
import {
  checkAutoscalers,
  checkDatabaseConnections,
  checkDisruptionBudgets,
  checkEnvironment,
  checkImages,
  checkOverlay,
  checkProbes,
  checkResources,
  checkSecrets,
  checkSecurity,
  checkServices,
  checkShutdown,
  checkTopologySpread,
  checkWiring,
  checkWorkloads,
  type K8sCheckOptions,
  type OverlayPolicy,
  PG_CONNECTION_BUDGET,
  SECRET_NAME,
  SECRET_READERS,
} from './k8s-checks.js';
import {
  containerOf,
  dataOf,
  findObject,
  type K8sObject,
  parseManifests,
  type Workload,
  workloadOf,
} from './k8s-manifests.js';
import { checkSchemas } from './k8s-schema.js';
import { kustomizeVersion, renderKustomization } from './kustomize-render.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const fileExists = (path: string) => existsSync(join(ROOT, path));
const version = (JSON.parse(read('package.json')) as { version: string }).version;

type Overlay = 'dev' | 'prod';
const POLICIES: Readonly<Record<Overlay, OverlayPolicy>> = {
  dev: {
    namespace: 'floodgate-dev',
    nodeEnv: 'development',
    secret: 'generated',
    minPods: 1,
    image: 'floodgate:local',
  },
  prod: {
    namespace: 'floodgate',
    nodeEnv: 'production',
    secret: 'external',
    minPods: 2,
    image: `ghcr.io/floodgate/floodgate:${version}`,
  },
};
const OVERLAYS = Object.keys(POLICIES) as Overlay[];

/** The runtime image's ENTRYPOINT, which every container's `command` repeats. */
const entrypoint = (): string[] => {
  const last = stages(parseDockerfile(read('Dockerfile'))).at(-1) ?? [];
  const ins = last.find((i) => i.keyword === 'ENTRYPOINT');
  const argv = ins && execForm(ins.args);
  assert.ok(argv, 'the Dockerfile has an exec-form ENTRYPOINT');
  return argv;
};
const OPTIONS: K8sCheckOptions = { entrypoint: entrypoint(), fileExists };

const renders = new Map<Overlay, Promise<string>>();
const render = (overlay: Overlay) => {
  let text = renders.get(overlay);
  if (!text) {
    text = renderKustomization(join(ROOT, 'deploy/k8s/overlays', overlay));
    renders.set(overlay, text);
  }
  return text;
};
/** A fresh copy of an overlay's objects, free to break. */
const objectsOf = async (overlay: Overlay) => parseManifests(await render(overlay));

const workload = (objects: K8sObject[], c: ComponentName): Workload => {
  const w = workloadOf(objects, c);
  assert.ok(w, `${c} is rendered`);
  return w;
};
const container = (objects: K8sObject[], c: ComponentName): IIoK8sApiCoreV1Container => {
  const found = containerOf(workload(objects, c), c);
  assert.ok(found, `${c} has its container`);
  return found;
};
/** The (generated, hashed) name of the ConfigMap a component reads with envFrom. */
const configName = (objects: K8sObject[], c: ComponentName) =>
  container(objects, c).envFrom?.[0]?.configMapRef?.name ?? '';
/** The data of that ConfigMap, for breaking it. */
const config = (objects: K8sObject[], c: ComponentName): Record<string, string> => {
  const cm = findObject(objects, 'ConfigMap', configName(objects, c));
  assert.ok(cm, `${c} reads a rendered ConfigMap`);
  return cm.data as Record<string, string>;
};
const object = (objects: K8sObject[], kind: string, name: string) => {
  const o = findObject(objects, kind, name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o;
};
/** `spec` of an object, for breaking it. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary manifest fields to break them
const spec = (o: K8sObject): any => o.spec;
const includes = (problems: string[], expected: string) =>
  assert.ok(problems.includes(expected), `expected "${expected}" in:\n${problems.join('\n')}`);

describe('deploy/k8s (kustomize overlays)', () => {
  before(async () => {
    // Fails with a sentence saying what to install when kubectl is missing or its kustomize too old.
    await kustomizeVersion();
  });

  it('says clearly that kubectl is missing when it is not on PATH', async () => {
    const noKubectl = { env: { ...process.env, PATH: '/nonexistent' } };
    await assert.rejects(kustomizeVersion(noKubectl), /kubectl is not installed/);
    await assert.rejects(
      renderKustomization('deploy/k8s/overlays/dev', noKubectl),
      /kubectl is not installed/,
    );
  });

  for (const overlay of OVERLAYS) {
    describe(`overlays/${overlay}`, () => {
      it('validates every object against the Kubernetes schemas', async () => {
        const objects = await objectsOf(overlay);
        assert.deepEqual(checkSchemas(objects), []);
        const kinds = new Set(objects.map((o) => o.kind));
        for (const kind of [
          'Deployment',
          'StatefulSet',
          'Service',
          'HorizontalPodAutoscaler',
          'PodDisruptionBudget',
        ]) {
          assert.ok(kinds.has(kind), `renders a ${kind}`);
        }
      });

      it('passes every policy', async () => {
        assert.deepEqual(checkOverlay(await objectsOf(overlay), POLICIES[overlay], OPTIONS), []);
      });

      it(`matches test/deployment/golden/k8s-${overlay}.yaml (UPDATE_GOLDEN=1 rewrites it)`, async () => {
        const path = join(ROOT, `test/deployment/golden/k8s-${overlay}.yaml`);
        const text = await render(overlay);
        if (process.env.UPDATE_GOLDEN === '1') {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, text);
        }
        assert.ok(existsSync(path), `${path} exists (create it with UPDATE_GOLDEN=1)`);
        // Compared as objects, so a kustomize release that only reorders or reformats keys passes.
        assert.deepEqual(
          await objectsOf(overlay),
          parseManifests(readFileSync(path, 'utf8')),
          `the render of overlays/${overlay} changed: review the diff, then rerun with UPDATE_GOLDEN=1`,
        );
      });
    });
  }

  it('reports objects that break the Kubernetes schemas, and kinds it has no schema for', async () => {
    const objects = await objectsOf('prod');
    spec(workload(objects, 'load-balancer')).replicas = '3';
    delete spec(object(objects, 'Service', 'gateway')).ports[0].port;
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'edge' } });
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { KEY: 'not base64!' } });
    const problems = checkSchemas(objects);
    includes(problems, 'Deployment/load-balancer: data/spec/replicas must be integer');
    includes(problems, 'Service/gateway: data/spec/ports/0 must have required property port');
    includes(problems, 'Secret/s: data/data/KEY must match format "byte"');
    includes(
      problems,
      'Ingress/edge: no schema for networking.k8s.io/v1 Ingress (add its model to k8s-schema.ts)',
    );
  });

  it("runs each component's entry with the Dockerfile's ENTRYPOINT", async () => {
    const objects = await objectsOf('prod');
    container(objects, 'api-server').args = ['gateway/src/main.ts'];
    container(objects, 'gateway').command = ['node'];
    const problems = checkWorkloads(objects, OPTIONS);
    includes(problems, 'api-server: args ["gateway/src/main.ts"] must be ["api-server/src/main.ts"]');
    includes(
      problems,
      `gateway: command ["node"] must be the Dockerfile's ENTRYPOINT ${JSON.stringify(OPTIONS.entrypoint)}`,
    );
    const missing = checkWorkloads(await objectsOf('prod'), { ...OPTIONS, fileExists: () => false });
    includes(missing, 'load-balancer: entry load-balancer/src/main.ts does not exist in the repository');
  });

  it('gives each component a Service for its own pods on its configured port; api-server headless', async () => {
    const objects = await objectsOf('prod');
    spec(object(objects, 'Service', 'gateway')).selector = { 'app.kubernetes.io/name': 'floodgate' };
    delete spec(object(objects, 'Service', 'api-server')).clusterIP;
    spec(object(objects, 'Service', 'api-server')).publishNotReadyAddresses = false;
    config(objects, 'load-balancer').LB_PORT = '3100';
    const problems = checkServices(objects);
    includes(
      problems,
      'Service gateway: selects the pods of [gateway, load-balancer, api-server], must select gateway only',
    );
    includes(problems, 'Service api-server: must be headless (clusterIP: None)');
    includes(
      problems,
      'Service api-server: publishNotReadyAddresses must be true (the balancers health-check pods)',
    );
    includes(problems, 'load-balancer: containerPort 3000 but LB_PORT is 3100');
    includes(problems, 'Service load-balancer: must expose port 3100 to the container port named http');
  });

  it('points the gateway at the balancer Service and the balancer at every api-server pod the HPA may run', async () => {
    const objects = await objectsOf('prod');
    config(objects, 'gateway').LB_URL = 'http://load-balancer:3001';
    spec(object(objects, 'HorizontalPodAutoscaler', 'api-server')).maxReplicas = 13;
    const api = container(objects, 'api-server');
    api.env = api.env?.map((e) => (e.name === 'INSTANCE_ID' ? { name: e.name, value: 'api' } : e));
    const lb = container(objects, 'load-balancer');
    assert.ok(lb.startupProbe);
    delete lb.startupProbe.initialDelaySeconds;
    const problems = checkWiring(objects);
    includes(problems, 'gateway: LB_URL http://load-balancer:3001 must be http://load-balancer:3000');
    assert.equal(
      problems.filter((p) => p.startsWith('load-balancer: API_SERVERS must list the 13 api-server pods'))
        .length,
      1,
    );
    includes(problems, 'api-server: INSTANCE_ID must be the pod name (fieldRef metadata.name)');
    includes(
      problems,
      'load-balancer: startupProbe.initialDelaySeconds 0 must outlast marking absent api-server pods down (3600 ms)',
    );
  });

  it('probes startup and readiness on /health/ready, liveness on /health/live', async () => {
    const objects = await objectsOf('prod');
    const api = container(objects, 'api-server');
    assert.ok(api.livenessProbe?.httpGet);
    api.livenessProbe.httpGet.path = '/health/ready';
    const lb = container(objects, 'load-balancer');
    assert.ok(lb.readinessProbe?.httpGet);
    lb.readinessProbe.httpGet.path = '/health';
    delete container(objects, 'gateway').startupProbe;
    const problems = checkProbes(objects);
    includes(problems, 'api-server: livenessProbe probes /health/ready, must probe /health/live');
    includes(problems, 'load-balancer: readinessProbe probes /health, must probe /health/ready');
    includes(problems, 'gateway: startupProbe must be an httpGet on /health/ready');
  });

  it('sleeps in preStop longer than a readiness period and fits the whole stop in the grace period', async () => {
    const objects = await objectsOf('prod');
    const gateway = container(objects, 'gateway');
    assert.ok(gateway.lifecycle?.preStop?.sleep);
    gateway.lifecycle.preStop.sleep.seconds = 5;
    workload(objects, 'load-balancer').spec.template.spec.terminationGracePeriodSeconds = 10;
    config(objects, 'api-server').SHUTDOWN_TIMEOUT_MS = '40000';
    const problems = checkShutdown(objects);
    includes(problems, 'gateway: preStop sleep 5s must be longer than the readiness period 5s');
    includes(
      problems,
      'load-balancer: preStop sleep 10s must be shorter than terminationGracePeriodSeconds 10',
    );
    includes(
      problems,
      'api-server: preStop 6s + SHUTDOWN_DELAY_MS 2500 + SHUTDOWN_TIMEOUT_MS 40000 = 48500 ms must fit in terminationGracePeriodSeconds 40',
    );
  });

  it('counts SHUTDOWN_DELAY_MS wherever a component reads it (gateway and balancer once they do)', async () => {
    const gatewayWithDelay = GatewayEnv.extend({
      SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(15_000),
    });
    const problems = checkShutdown(await objectsOf('prod'), {
      components: { ...COMPONENTS, gateway: { ...COMPONENTS.gateway, schema: gatewayWithDelay } },
    });
    includes(
      problems,
      'gateway: preStop 10s + SHUTDOWN_DELAY_MS 15000 + SHUTDOWN_TIMEOUT_MS 20000 = 45000 ms must fit in terminationGracePeriodSeconds 40',
    );
  });

  it("keeps an api-server in the balancers' rotation until they have seen it stop, and out until they see it up", async () => {
    const objects = await objectsOf('prod');
    config(objects, 'api-server').SHUTDOWN_DELAY_MS = '1000';
    workload(objects, 'api-server').spec.minReadySeconds = 2;
    const problems = checkShutdown(objects);
    includes(
      problems,
      "api-server: SHUTDOWN_DELAY_MS 1000 must cover the balancers' probe gap 2200 ms + 250 ms",
    );
    includes(
      problems,
      'api-server: minReadySeconds 2 must cover HEALTH_CHECK_RISE probes (4400 ms) before the next pod is replaced',
    );
    const slowProbes = await objectsOf('prod');
    config(slowProbes, 'load-balancer').HEALTH_CHECK_INTERVAL_MS = '5000';
    assert.equal(
      checkShutdown(slowProbes).length,
      2,
      'a slower balancer probe needs a longer delay and minReadySeconds',
    );
  });

  it('gives every component one PodDisruptionBudget that lets one pod go and keeps one', async () => {
    const objects = await objectsOf('prod');
    spec(object(objects, 'PodDisruptionBudget', 'api-server')).maxUnavailable = 0;
    const gatewayPdb = spec(object(objects, 'PodDisruptionBudget', 'gateway'));
    delete gatewayPdb.maxUnavailable;
    gatewayPdb.minAvailable = 0;
    delete spec(object(objects, 'PodDisruptionBudget', 'load-balancer')).unhealthyPodEvictionPolicy;
    const problems = checkDisruptionBudgets(objects);
    includes(
      problems,
      'PodDisruptionBudget/api-server: allows no eviction at 3 pod(s), so a node drain would hang',
    );
    includes(problems, 'PodDisruptionBudget/gateway: lets every one of 3 pods go at once');
    includes(
      problems,
      'PodDisruptionBudget/load-balancer: unhealthyPodEvictionPolicy must be AlwaysAllow (a not-ready pod protects nothing)',
    );

    const broad = await objectsOf('prod');
    spec(object(broad, 'PodDisruptionBudget', 'gateway')).selector.matchLabels = {
      'app.kubernetes.io/name': 'floodgate',
    };
    const overlapping = checkDisruptionBudgets(broad);
    includes(overlapping, 'api-server: needs exactly one PodDisruptionBudget (has 2)');
    includes(overlapping, 'load-balancer: needs exactly one PodDisruptionBudget (has 2)');
  });

  it('scales the gateway and api-server on CPU, the balancer by a fixed count, each to at least minPods', async () => {
    const objects = await objectsOf('prod');
    spec(object(objects, 'HorizontalPodAutoscaler', 'gateway')).metrics[0].resource.name = 'memory';
    spec(object(objects, 'HorizontalPodAutoscaler', 'gateway')).minReplicas = 1;
    workload(objects, 'api-server').spec.replicas = 3;
    workload(objects, 'load-balancer').spec.replicas = 1;
    const problems = checkAutoscalers(objects, POLICIES.prod);
    includes(
      problems,
      'HorizontalPodAutoscaler/gateway: must scale on CPU utilization (a percentage of the request)',
    );
    includes(problems, 'gateway: runs at least 1 pod(s), must run 2');
    includes(
      problems,
      "StatefulSet/api-server: must not set replicas (every apply would undo the HPA's count)",
    );
    includes(problems, 'load-balancer: runs at least 1 pod(s), must run 2');

    const without = (await objectsOf('prod')).filter(
      (o) => !(o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'api-server'),
    );
    includes(checkAutoscalers(without, POLICIES.prod), 'api-server: needs a HorizontalPodAutoscaler');
  });

  it('requests and limits CPU and memory for every container', async () => {
    const objects = await objectsOf('prod');
    delete container(objects, 'gateway').resources?.limits?.memory;
    const api = container(objects, 'api-server');
    assert.ok(api.resources?.limits);
    api.resources.limits.cpu = '100m';
    const problems = checkResources(objects);
    includes(problems, 'gateway: needs a memory limit');
    includes(problems, 'api-server: cpu limit is below its request');
  });

  it('runs restricted: non-root uid, read-only root with a /tmp emptyDir, no capabilities, RuntimeDefault seccomp, no token', async () => {
    const objects = await objectsOf('prod');
    const gatewayPod = workload(objects, 'gateway').spec.template.spec;
    delete gatewayPod.securityContext?.runAsUser;
    gatewayPod.automountServiceAccountToken = true;
    gatewayPod.enableServiceLinks = true;
    const lb = container(objects, 'load-balancer');
    assert.ok(lb.securityContext?.capabilities);
    lb.securityContext.readOnlyRootFilesystem = false;
    lb.securityContext.capabilities.drop = ['NET_RAW'];
    delete lb.securityContext.seccompProfile;
    container(objects, 'api-server').volumeMounts = [];
    delete object(objects, 'Namespace', 'floodgate').metadata.labels?.['pod-security.kubernetes.io/enforce'];
    object(objects, 'Service', 'gateway').metadata.namespace = 'default';
    const problems = checkSecurity(objects, POLICIES.prod);
    includes(
      problems,
      "gateway: pod securityContext.runAsUser must be a non-zero uid (the image's user is a name)",
    );
    includes(problems, 'gateway: automountServiceAccountToken must be false');
    includes(
      problems,
      'gateway: enableServiceLinks must be false (a Service named redis would set REDIS_PORT=tcp://…)',
    );
    includes(problems, 'load-balancer: readOnlyRootFilesystem must be true');
    includes(problems, 'load-balancer: must drop ALL capabilities and add none');
    includes(problems, 'load-balancer: container seccompProfile must be RuntimeDefault');
    includes(problems, 'api-server: /tmp must be a writable emptyDir (the root filesystem is read-only)');
    includes(
      problems,
      'Namespace floodgate: must be rendered and enforce the restricted Pod Security profile',
    );
    includes(problems, 'Service/gateway: must be in the namespace floodgate');
  });

  it("spreads each component's pods over zones and nodes, one revision at a time", async () => {
    const objects = await objectsOf('prod');
    const lbPod = workload(objects, 'load-balancer').spec.template.spec;
    lbPod.topologySpreadConstraints = lbPod.topologySpreadConstraints?.filter(
      (t) => t.topologyKey !== 'topology.kubernetes.io/zone',
    );
    const gatewayHost = workload(objects, 'gateway').spec.template.spec.topologySpreadConstraints?.[1];
    assert.ok(gatewayHost?.labelSelector);
    gatewayHost.labelSelector.matchLabels = { 'app.kubernetes.io/name': 'floodgate' };
    const apiZone = workload(objects, 'api-server').spec.template.spec.topologySpreadConstraints?.[0];
    assert.ok(apiZone);
    delete apiZone.matchLabelKeys;
    const problems = checkTopologySpread(objects);
    includes(problems, 'load-balancer: needs a topologySpreadConstraint over topology.kubernetes.io/zone');
    includes(
      problems,
      "gateway: the spread over kubernetes.io/hostname counts the pods of [gateway, load-balancer, api-server], must count gateway's",
    );
    includes(
      problems,
      'api-server: the spread over topology.kubernetes.io/zone must list matchLabelKeys controller-revision-hash (rollouts spread on their own)',
    );
  });

  it('takes every credential from the Secret only: prod expects it to exist, dev generates dev-only values', async () => {
    const objects = await objectsOf('prod');
    config(objects, 'gateway').API_KEY_SECRET = 'x'.repeat(40);
    const lb = container(objects, 'load-balancer');
    lb.env = [{ name: 'LB_ADMIN_TOKEN', value: 'plain-text-token' }];
    const gatewayEnv = container(objects, 'gateway').env ?? [];
    const internal = gatewayEnv.find((e) => e.name === 'INTERNAL_TOKEN')?.valueFrom?.secretKeyRef;
    assert.ok(internal);
    internal.key = 'GATEWAY_INTERNAL_TOKEN';
    const redis = gatewayEnv.find((e) => e.name === 'REDIS_URL')?.valueFrom?.secretKeyRef;
    assert.ok(redis);
    redis.optional = true;
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leaked', namespace: 'floodgate' } });
    const problems = checkSecrets(objects, POLICIES.prod);
    includes(
      problems,
      `ConfigMap/${configName(objects, 'gateway')}: API_KEY_SECRET is a credential; it belongs in ${SECRET_NAME}`,
    );
    includes(
      problems,
      `load-balancer: LB_ADMIN_TOKEN is a credential; it must come from ${SECRET_NAME}, not a literal`,
    );
    includes(problems, `gateway: must read INTERNAL_TOKEN from key INTERNAL_TOKEN of ${SECRET_NAME}`);
    includes(problems, 'gateway: REDIS_URL must not be optional (a missing credential should stop the pod)');
    includes(
      problems,
      `Secret/leaked: this overlay must not render a Secret (it uses the existing ${SECRET_NAME})`,
    );

    const dev = await objectsOf('dev');
    const secret = dev.find((o) => o.kind === 'Secret');
    assert.ok(secret);
    const data = secret.data as Record<string, string>;
    delete data.INTERNAL_TOKEN;
    data.LB_ADMIN_TOKEN = Buffer.from('s3cr3t-production-token').toString('base64');
    const devProblems = checkSecrets(dev, POLICIES.dev);
    includes(devProblems, `Secret ${secret.metadata.name}: lacks INTERNAL_TOKEN, which pods read`);
    includes(
      devProblems,
      `Secret ${secret.metadata.name}: LB_ADMIN_TOKEN must be an obviously dev-only placeholder`,
    );
  });

  it("sets only variables its component's schema reads, with values it accepts, and the overlay's NODE_ENV", async () => {
    const objects = await objectsOf('prod');
    config(objects, 'gateway').GATEWAY_LISTEN = '8080';
    config(objects, 'load-balancer').LOG_LEVEL = 'loud';
    config(objects, 'api-server').SEED_DEV_DATA = 'true';
    config(objects, 'api-server').NODE_ENV = 'development';
    const problems = checkEnvironment(objects, POLICIES.prod);
    includes(problems, "gateway: GATEWAY_LISTEN is not a variable of its component's schema");
    assert.equal(problems.filter((p) => p.startsWith('load-balancer: LOG_LEVEL is invalid')).length, 1);
    includes(problems, 'api-server: SEED_DEV_DATA is ignored in production; do not set it there');
    includes(problems, 'api-server: NODE_ENV must be "production" (is development)');

    // A variable renamed in the schema (PORT → API_PORT) is caught, including one only a Secret sets.
    const renamed = ApiServerEnv.omit({ PORT: true, REDIS_URL: true }).extend({
      API_PORT: z.coerce.number().default(3001),
    });
    const stale = checkEnvironment(await objectsOf('prod'), POLICIES.prod, {
      components: { ...COMPONENTS, 'api-server': { ...COMPONENTS['api-server'], schema: renamed } },
    });
    includes(stale, "api-server: PORT is not a variable of its component's schema");
    includes(stale, "api-server: REDIS_URL is not a variable of its component's schema");
  });

  it("runs the overlay's image in every container", async () => {
    const objects = await objectsOf('prod');
    container(objects, 'load-balancer').image = 'ghcr.io/floodgate/floodgate:latest';
    includes(
      checkImages(objects, POLICIES.prod),
      `load-balancer: runs ghcr.io/floodgate/floodgate:latest, must run ${POLICIES.prod.image}`,
    );
  });

  it(`keeps PostgreSQL connections at the HPA maximum within ${PG_CONNECTION_BUDGET}`, async () => {
    const objects = await objectsOf('prod');
    spec(object(objects, 'HorizontalPodAutoscaler', 'api-server')).maxReplicas = 30;
    includes(
      checkDatabaseConnections(objects),
      `PostgreSQL connections at the HPA maximum: gateway 20 × 4 + api-server 30 × 10 = 380 > ${PG_CONNECTION_BUDGET}`,
    );
  });

  it('docs/deploy.md creates the prod Secret with exactly the keys the pods read', () => {
    const docs = read('docs/deploy.md');
    const command = new RegExp(`kubectl[^\\n]*create secret generic ${SECRET_NAME}((?:.*\\\\\\n)*.*)`).exec(
      docs,
    );
    assert.ok(command, `docs/deploy.md shows \`kubectl create secret generic ${SECRET_NAME}\``);
    const keys = [...(command[1] ?? '').matchAll(/--from-literal=([A-Z_]+)=/g)].map((m) => m[1]);
    assert.deepEqual(keys.sort(), Object.keys(SECRET_READERS).sort());
  });

  it("docs/deploy.md's throwaway PostgreSQL and Redis are where the dev Secret points", async () => {
    const docs = read('docs/deploy.md');
    const dev = await objectsOf('dev');
    const name = container(dev, 'api-server').env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom
      ?.secretKeyRef?.name;
    const secret = dataOf(dev, 'Secret', name ?? '');
    assert.ok(secret?.DATABASE_URL && secret.REDIS_URL);
    const pg = new URL(secret.DATABASE_URL);
    const redis = new URL(secret.REDIS_URL);
    const run = (service: string) =>
      new RegExp(`kubectl -n (\\S+) run ${service} (?:.*\\\\\\n)*.*`).exec(docs)?.[0] ?? '';
    assert.equal(`${pg.hostname}:${pg.port}`, `postgres.${/-n (\S+)/.exec(run('postgres'))?.[1]}.svc:5432`);
    assert.match(run('postgres'), /--port=5432 --expose/);
    assert.match(run('postgres'), new RegExp(`--env=POSTGRES_PASSWORD=${pg.password}(\\s|$)`));
    assert.match(run('postgres'), new RegExp(`--env=POSTGRES_DB=${pg.pathname.slice(1)}(\\s|$)`));
    assert.equal(`${redis.hostname}:${redis.port}`, `redis.${/-n (\S+)/.exec(run('redis'))?.[1]}.svc:6379`);
    assert.match(run('redis'), /--port=6379 --expose/);
  });
});
