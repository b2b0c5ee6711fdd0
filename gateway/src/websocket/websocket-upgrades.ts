import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Clock, FloodgateError, type Logger, refuseUpgrade, WebSocketTunnels } from '@floodgate/shared';
import type { ClientIpResolver } from '../auth/client-ip.js';
import { ADMIN_PREFIX } from '../gateway-router.js';
import { GatewayResponse } from '../http/gateway-response.js';
import { createAuthenticateStage } from '../middleware/authenticate.js';
import { createLimitsStage } from '../middleware/limits.js';
import { createRateLimitStage, type RateLimitStageDeps } from '../middleware/rate-limit.js';
import { createRequestIdStage } from '../middleware/request-id.js';
import { type ErrorResponder, Pipeline } from '../pipeline/pipeline.js';
import { RequestContext } from '../pipeline/request-context.js';
import { DONE, type Stage } from '../pipeline/stage.js';
import { buildUpstreamHeaders } from '../proxy/upstream-headers.js';
import { isSafeUpstreamPath } from '../proxy/upstream-path.js';

/** The response object of an upgrade request: never sent; carries the raw socket to the last stage. */
class UpgradeResponse extends GatewayResponse {
  upgradeSocket: Duplex | null = null;
  upgradeHead: Buffer | null = null;
}

export interface WebSocketUpgradeConfig {
  /** The balancer (origin and base path). */
  lbUrl: string;
  bodyLimitBytes: number;
  maxHeaderCount?: number;
}

export interface WebSocketUpgradeDeps {
  sessions: Parameters<typeof createAuthenticateStage>[0]['sessions'];
  apiKeys: Parameters<typeof createAuthenticateStage>[0]['apiKeys'];
  clientIp: ClientIpResolver;
  /** Rate limiting as for proxied requests; null when RATE_LIMIT_ENABLED=false. */
  rateLimit: Omit<RateLimitStageDeps, 'clientIp' | 'bodyLimitBytes'> | null;
  logger: Logger;
  clock: Clock;
}

const NOT_FOUND = new FloodgateError('NOT_FOUND');
const INVALID_PATH = new FloodgateError('INVALID_PATH');
const SHUTTING_DOWN = new FloodgateError('SHUTTING_DOWN');

/** Response headers a refusal carries (rate-limit information, Retry-After, WWW-Authenticate). */
const REFUSAL_HEADERS = [
  'retry-after',
  'www-authenticate',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit-degraded',
];

function ignoreError(): void {}

/**
 * WebSocket upgrades at the gateway, for `/api/*` paths (admin paths never): the upgrade request runs
 * the same stages as any proxied request — request id, limits, authenticate and, when enabled, the
 * rate limit (an upgrade counts as one request) — then is tunnelled to the balancer with http-proxy,
 * carrying the verified identity and the client address in X-Forwarded-For (the balancer's
 * stickiness key). A refused upgrade gets the HTTP error envelope on the socket (401, 429 with its
 * headers, 400...); the balancer's own refusals (503, 502) are passed through. Tunnels are not
 * in-flight requests: `closeAll()` ends them at shutdown.
 */
export class WebSocketUpgrades {
  readonly #config: WebSocketUpgradeConfig;
  readonly #deps: WebSocketUpgradeDeps;
  readonly #pipeline: Pipeline;
  readonly #tunnels: WebSocketTunnels;
  #closing = false;

  constructor(config: WebSocketUpgradeConfig, deps: WebSocketUpgradeDeps) {
    this.#config = config;
    this.#deps = deps;
    const stages: Stage[] = [
      createRequestIdStage(),
      createLimitsStage(config),
      createAuthenticateStage({ sessions: deps.sessions, apiKeys: deps.apiKeys }),
    ];
    if (deps.rateLimit !== null) {
      stages.push(
        createRateLimitStage({
          ...deps.rateLimit,
          clientIp: deps.clientIp,
          bodyLimitBytes: config.bodyLimitBytes,
        }),
      );
    }
    stages.push({ name: 'tunnel', handle: (ctx) => this.#tunnel(ctx) });
    this.#pipeline = new Pipeline('upgrade', stages, this.#refuse);
    // X-Forwarded-For is the client address the gateway resolved (buildUpstreamHeaders).
    this.#tunnels = new WebSocketTunnels({ logger: deps.logger, xfwd: false });
  }

  /** Open tunnels. */
  get size(): number {
    return this.#tunnels.size;
  }

  /** The server's 'upgrade' listener. */
  readonly handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', ignoreError);
    const res = new UpgradeResponse(req);
    res.upgradeSocket = socket;
    res.upgradeHead = head;
    const ctx = new RequestContext(req, res, this.#deps.clock.monotonic());
    res.context = ctx;
    if (this.#closing) {
      this.#refuse(ctx, SHUTTING_DOWN);
      return;
    }
    const path = ctx.path;
    if (!path.startsWith('/api/') || isAdmin(path)) {
      this.#refuse(ctx, NOT_FOUND);
      return;
    }
    void this.#pipeline.run(ctx);
  };

  /** Ends every tunnel and refuses new upgrades (shutdown). */
  closeAll(): void {
    this.#closing = true;
    this.#tunnels.closeAll();
  }

  readonly #refuse: ErrorResponder = (ctx, err) => {
    const res = ctx.res as UpgradeResponse;
    const socket = res.upgradeSocket as Duplex;
    const headers: Record<string, string | number> = {};
    for (const name of REFUSAL_HEADERS) {
      const value = res.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    if ((err as FloodgateError).status === 401 && headers['www-authenticate'] === undefined) {
      headers['www-authenticate'] = 'Bearer';
    }
    if (ctx.requestId === '') ctx.requestId = String(res.getHeader('x-request-id') ?? 'unknown');
    this.#deps.logger.info(
      { reqId: ctx.requestId, route: 'websocket', status: (err as FloodgateError).status ?? 500 },
      'websocket upgrade refused',
    );
    refuseUpgrade(socket, err, ctx.requestId, headers);
  };

  #tunnel(ctx: RequestContext): boolean {
    if (!isSafeUpstreamPath(ctx.path)) throw INVALID_PATH;
    const req = ctx.req;
    const res = ctx.res as UpgradeResponse;
    const socket = res.upgradeSocket as Duplex;
    const flat = buildUpstreamHeaders(ctx, this.#deps.clientIp);
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i] as string;
      const value = flat[i + 1] as string;
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? 'websocket';
    req.headers = headers;
    req.url = ctx.target;
    this.#deps.logger.info({ reqId: ctx.requestId, route: 'websocket', path: ctx.path }, 'websocket upgrade');
    this.#tunnels.open(req, socket, res.upgradeHead as Buffer, {
      target: this.#config.lbUrl,
      requestId: ctx.requestId,
    });
    return DONE;
  }
}

function isAdmin(path: string): boolean {
  const decoded = path.includes('%') ? safeDecode(path) : path;
  return (
    decoded.startsWith(ADMIN_PREFIX) &&
    (decoded.length === ADMIN_PREFIX.length || decoded.charCodeAt(ADMIN_PREFIX.length) === 47)
  );
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
