import { UNMATCHED_ROUTE } from '@floodgate/shared';
import type { GatewayPipelines } from './gateway-pipelines.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { RequestContext } from './pipeline/request-context.js';
import { RouteClassifier } from './proxy/route-classifier.js';

export const ADMIN_PREFIX = '/api/v1/admin';
export const ADMIN_ROUTE = '/api/v1/admin/*';

/**
 * Picks a request's route group by path prefix and labels it with a bounded route template.
 * Only `/api/*` is proxied; admin paths, checked on the decoded path too, never are.
 */
export class GatewayRouter {
  readonly #pipelines: GatewayPipelines;
  readonly #classifier: RouteClassifier;

  constructor(pipelines: GatewayPipelines, classifier = new RouteClassifier()) {
    this.#pipelines = pipelines;
    this.#classifier = classifier;
  }

  select(ctx: RequestContext): Pipeline {
    const path = ctx.path;
    if (path.startsWith('/api/')) {
      if (isAdminPath(path.includes('%') ? safeDecode(path) : path)) {
        ctx.route = ADMIN_ROUTE;
        return this.#pipelines.admin;
      }
      ctx.route = this.#classifier.classify(path);
      return this.#pipelines.api;
    }
    if (path === '/health') {
      ctx.route = '/health';
      return this.#pipelines.health;
    }
    if (path === '/metrics') {
      ctx.route = '/metrics';
      return this.#pipelines.metrics;
    }
    ctx.route = UNMATCHED_ROUTE;
    return this.#pipelines.notFound;
  }
}

function isAdminPath(path: string): boolean {
  return (
    path.startsWith(ADMIN_PREFIX) &&
    (path.length === ADMIN_PREFIX.length || path.charCodeAt(ADMIN_PREFIX.length) === 47) /* / */
  );
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
