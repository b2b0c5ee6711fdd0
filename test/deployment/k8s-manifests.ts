import type { IIoK8sApiCoreV1Container } from 'kubernetes-models/v1/Container';
import type { IIoK8sApiCoreV1PodSpec } from 'kubernetes-models/v1/PodSpec';
import { parseAllDocuments } from 'yaml';
import type { ComponentName } from './compose-checks.js';

/**
 * Rendered Kubernetes manifests as plain objects, and the lookups the checks share: the workload of
 * each component, its pod and container, the objects that select its pods, and a container's
 * environment resolved through ConfigMaps, Secrets and the downward API.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // Each check reads the fields it needs; kubernetes-models validates their shape.
  [field: string]: unknown;
}

export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    serviceName?: string;
    selector: { matchLabels?: Record<string, string> };
    template: { metadata: { labels?: Record<string, string> }; spec: IIoK8sApiCoreV1PodSpec };
  };
}

/** The labels that tell Floodgate's workloads apart: `app.kubernetes.io/component` names the component. */
const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** What Kubernetes runs for each component, and how the component is reached. */
export const K8S_COMPONENTS: Readonly<
  Record<ComponentName, { kind: 'Deployment' | 'StatefulSet'; autoscaled: boolean }>
> = {
  gateway: { kind: 'Deployment', autoscaled: true },
  'load-balancer': { kind: 'Deployment', autoscaled: false },
  'api-server': { kind: 'StatefulSet', autoscaled: true },
};

export const COMPONENT_NAMES = Object.keys(K8S_COMPONENTS) as ComponentName[];

/** Every document of a multi-document YAML stream (kubectl kustomize output), empty ones dropped. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export const objectId = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

export function findObject<T extends K8sObject = K8sObject>(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): T | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
}

function isWorkload(o: K8sObject): o is Workload {
  return o.kind === 'Deployment' || o.kind === 'StatefulSet';
}

/** The workload running a component (by its component label), if any. */
export function workloadOf(objects: readonly K8sObject[], component: ComponentName): Workload | undefined {
  return objects.find(
    (o): o is Workload =>
      isWorkload(o) && o.spec?.template?.metadata?.labels?.[COMPONENT_LABEL] === component,
  );
}

/** The component's container: the one named after it. */
export function containerOf(
  workload: Workload,
  component: ComponentName,
): IIoK8sApiCoreV1Container | undefined {
  return workload.spec.template.spec.containers.find((c) => c.name === component);
}

/** A component's workload and its container, when both are rendered. */
export function podOf(
  objects: readonly K8sObject[],
  component: ComponentName,
): { workload: Workload; container: IIoK8sApiCoreV1Container } | undefined {
  const workload = workloadOf(objects, component);
  const container = workload && containerOf(workload, component);
  return workload && container ? { workload, container } : undefined;
}

/** Whether a `matchLabels` selector (no expressions) selects pods with these labels. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The components whose pods a selector selects. */
export function selectedComponents(
  objects: readonly K8sObject[],
  selector: Record<string, string> | undefined,
): ComponentName[] {
  return COMPONENT_NAMES.filter((c) => {
    const w = workloadOf(objects, c);
    return w !== undefined && selects(selector, w.spec.template.metadata.labels);
  });
}

/** Where a container's variable comes from. */
export type EnvSource =
  | { from: 'literal'; value: string }
  | { from: 'configMap'; configMap: string; value: string | undefined }
  | { from: 'secret'; secret: string; key: string; value: string | undefined }
  | { from: 'field'; fieldPath: string };

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

/** The string data of a ConfigMap or Secret in the render (Secret data decoded), or undefined. */
export function dataOf(objects: readonly K8sObject[], kind: 'ConfigMap' | 'Secret', name: string) {
  const o = findObject(objects, kind, name);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((o.data as Record<string, string> | undefined) ?? {})) {
    out[k] = kind === 'Secret' ? decode(v) : v;
  }
  for (const [k, v] of Object.entries((o.stringData as Record<string, string> | undefined) ?? {})) out[k] = v;
  return out;
}

/**
 * A container's variables as Kubernetes sets them: `envFrom` ConfigMaps first, then `env`, which wins.
 * Values of Secrets and ConfigMaps that are not in the render are undefined; `problems` names
 * references to ConfigMaps that do not exist (the pod would not start).
 */
export function resolveEnv(
  objects: readonly K8sObject[],
  container: IIoK8sApiCoreV1Container,
): { env: Map<string, EnvSource>; problems: string[] } {
  const env = new Map<string, EnvSource>();
  const problems: string[] = [];
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (name === undefined) {
      problems.push(`${container.name}: envFrom supports ConfigMaps only here`);
      continue;
    }
    const data = dataOf(objects, 'ConfigMap', name);
    if (!data) problems.push(`${container.name}: envFrom names ConfigMap ${name}, which is not rendered`);
    for (const [k, v] of Object.entries(data ?? {}))
      env.set(k, { from: 'configMap', configMap: name, value: v });
  }
  for (const e of container.env ?? []) {
    const secret = e.valueFrom?.secretKeyRef;
    const configMap = e.valueFrom?.configMapKeyRef;
    const field = e.valueFrom?.fieldRef;
    if (secret) {
      const value = dataOf(objects, 'Secret', secret.name ?? '')?.[secret.key];
      env.set(e.name, { from: 'secret', secret: secret.name ?? '', key: secret.key, value });
    } else if (configMap) {
      const value = dataOf(objects, 'ConfigMap', configMap.name ?? '')?.[configMap.key];
      env.set(e.name, { from: 'configMap', configMap: configMap.name ?? '', value });
    } else if (field) {
      env.set(e.name, { from: 'field', fieldPath: field.fieldPath });
    } else {
      env.set(e.name, { from: 'literal', value: e.value ?? '' });
    }
  }
  return { env, problems };
}

/** The values a process would see, as far as the render tells: `metadata.name` becomes `<workload>-0`. */
export function envValues(env: ReadonlyMap<string, EnvSource>, workload: Workload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of env) {
    if (source.from === 'field') {
      if (source.fieldPath === 'metadata.name') out[name] = `${workload.metadata.name}-0`;
    } else if (source.value !== undefined) out[name] = source.value;
  }
  return out;
}

/** A resource quantity (`250m`, `1`, `512Mi`, `1G`) as a number of base units, or NaN. */
export function parseQuantity(q: string | number | undefined): number {
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q ?? '');
  if (!m) return Number.NaN;
  const factor: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? (factor[m[2]] ?? Number.NaN) : 1);
}
