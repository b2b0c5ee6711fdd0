import { z } from 'zod';
import { Count, dataOf, pageOf } from './envelope.js';

/** A breaker's state; one spelling everywhere (wire, metrics labels, logs). */
export const CircuitState = z.enum(['closed', 'open', 'half_open']).meta({ id: 'CircuitState' });
export type CircuitState = z.infer<typeof CircuitState>;

/** Backend ids as the balancer names them (`api-3`). */
export const BACKEND_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const BackendId = z.string().regex(BACKEND_ID_PATTERN).meta({ description: 'e.g. api-2' });

/** One backend as the balancer sees it (`/lb/status`, `/lb/admin/backends`, the dashboard). */
export const BackendStatus = z
  .object({
    id: BackendId,
    url: z.url().meta({ description: 'Origin, e.g. http://127.0.0.1:3001' }),
    weight: z.int().min(1).max(1000),
    healthy: z.boolean().meta({ description: 'As the active health checks last decided.' }),
    circuitState: CircuitState,
    draining: z.boolean(),
    available: z
      .boolean()
      .meta({ description: 'Healthy, breaker admitting and not draining: new requests may go here.' }),
    inFlight: Count,
    requests: Count,
    failures: Count.meta({ description: 'Failed tries: refused, reset, timed out or answered 5xx.' }),
    retries: Count.meta({ description: 'Failed tries here that were retried on another backend.' }),
    webSockets: Count.meta({ description: 'WebSocket tunnels open to this backend.' }),
    latency: z.object({ p50Ms: z.number().nullable(), p99Ms: z.number().nullable() }).meta({
      description: 'Time to response headers over the last 1,024 responses; null before the first.',
    }),
  })
  .meta({ id: 'BackendStatus' });
export type BackendStatus = z.infer<typeof BackendStatus>;

/** An origin: http(s)://host[:port], nothing after it but an optional "/". */
const Origin = z
  .string()
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return z.NEVER;
    }
    if (
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== ''
    ) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an http(s) origin without path, query or credentials',
      });
      return z.NEVER;
    }
    return url.origin;
  })
  .meta({ description: 'An http(s) origin, e.g. http://127.0.0.1:3004' });

/** Body of `POST /api/v1/admin/backends` (and `/lb/admin/backends`). */
export const AddBackendBody = z
  .strictObject({
    url: Origin,
    weight: z.int().min(1).max(1000).optional().meta({
      description: 'Used by weighted-round-robin and as the divisor of least-connections. Default 1.',
    }),
  })
  .meta({ id: 'AddBackendBody' });
export type AddBackendBody = z.output<typeof AddBackendBody>;

export const BackendPage = pageOf(BackendStatus, 'BackendPage');
export type BackendPage = z.infer<typeof BackendPage>;
export const BackendAnswer = dataOf(BackendStatus, 'BackendAnswer');
export type BackendAnswer = z.infer<typeof BackendAnswer>;
