/**
 * A small method + path router, compiled when routes are added, never per request.
 * Static paths are one Map lookup; parameterised paths (`/resources/:id`) are matched segment by
 * segment. Every match carries its route template, which is what metrics and logs label by.
 */
export interface RouteMatch<H> {
  handler: H;
  /** The template the route was registered with, e.g. "/api/v1/resources/:id". */
  route: string;
  params: Record<string, string>;
}

export type RouteResult<H> =
  | { kind: 'found'; match: RouteMatch<H> }
  /** `allowed` lists HEAD wherever GET is, as `find` serves it. */
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

interface ParamRoute<H> {
  template: string;
  /** A string is a literal segment; null is a parameter named in `names` at the same position. */
  segments: (string | null)[];
  names: (string | null)[];
  handlers: Map<string, H>;
}

export class Router<H> {
  readonly #static = new Map<string, Map<string, H>>();
  readonly #dynamic: ParamRoute<H>[] = [];

  add(method: string, template: string, handler: H): this {
    if (!template.startsWith('/')) throw new Error(`route must start with '/': ${template}`);
    const parts = template.split('/').slice(1);
    if (!parts.some((p) => p.startsWith(':'))) {
      let byMethod = this.#static.get(template);
      if (!byMethod) {
        byMethod = new Map();
        this.#static.set(template, byMethod);
      }
      byMethod.set(method, handler);
      return this;
    }
    let route = this.#dynamic.find((r) => r.template === template);
    if (!route) {
      route = {
        template,
        segments: parts.map((p) => (p.startsWith(':') ? null : p)),
        names: parts.map((p) => (p.startsWith(':') ? p.slice(1) : null)),
        handlers: new Map(),
      };
      this.#dynamic.push(route);
    }
    route.handlers.set(method, handler);
    return this;
  }

  /** `path` is the URL path without query string. HEAD falls back to GET handlers. */
  find(method: string, path: string): RouteResult<H> {
    const byMethod = this.#static.get(path);
    if (byMethod) return pick(byMethod, method, path, {});
    const parts = path.split('/');
    for (const route of this.#dynamic) {
      if (route.segments.length !== parts.length - 1) continue;
      let ok = true;
      for (let i = 0; i < route.segments.length; i++) {
        const seg = route.segments[i];
        const actual = parts[i + 1] as string;
        if (seg === null ? actual.length === 0 : seg !== actual) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.names.length; i++) {
        const name = route.names[i];
        if (name) params[name] = safeDecode(parts[i + 1] as string);
      }
      return pick(route.handlers, method, route.template, params);
    }
    return { kind: 'not-found' };
  }
}

function pick<H>(
  handlers: Map<string, H>,
  method: string,
  route: string,
  params: Record<string, string>,
): RouteResult<H> {
  const handler = handlers.get(method) ?? (method === 'HEAD' ? handlers.get('GET') : undefined);
  if (handler !== undefined) return { kind: 'found', match: { handler, route, params } };
  const allowed = [...handlers.keys()];
  if (handlers.has('GET') && !handlers.has('HEAD')) allowed.push('HEAD');
  return { kind: 'method-not-allowed', allowed };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
