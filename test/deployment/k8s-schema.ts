import type { Model } from '@kubernetes-models/base';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { type K8sObject, objectId } from './k8s-manifests.js';

/**
 * The kinds the manifests may contain, each with its model from `kubernetes-models` (the
 * Kubernetes OpenAPI schemas compiled to validators). A kind missing here is reported rather than
 * passed unchecked: add its model when the manifests start using it.
 */
const MODELS: Readonly<Record<string, new (data: never) => Model<unknown>>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/**
 * kustomize wraps long base64 Secret values over several lines; the API server's decoder skips
 * the line breaks, the schema's "byte" format does not, so they are joined before validation.
 */
function asApiServerReadsIt(o: K8sObject): K8sObject {
  if (o.kind !== 'Secret' || typeof o.data !== 'object' || o.data === null) return o;
  const data = Object.fromEntries(
    Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\r?\n/g, '')]),
  );
  return { ...o, data };
}

/**
 * Every object against its Kubernetes schema: types, required fields, enums and formats. The
 * schemas allow unknown fields (as the API server's non-strict decoding does), so a misspelt
 * optional field passes here; the policy checks read the fields that matter by name.
 */
export function checkSchemas(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) {
      problems.push(
        `${objectId(o)}: no schema for ${o.apiVersion} ${o.kind} (add its model to k8s-schema.ts)`,
      );
      continue;
    }
    try {
      new Model(asApiServerReadsIt(o) as never).validate();
    } catch (err) {
      problems.push(`${objectId(o)}: ${(err as Error).message}`);
    }
  }
  return problems;
}
