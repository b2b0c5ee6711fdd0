import type { IncomingMessage, ServerResponse } from 'node:http';
import { UNMATCHED_ROUTE } from './match-route.js';

/**
 * Per-request state handed to a route handler. Fixed shape; the query string is parsed only on
 * demand.
 */
export class RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** The matched route template (what metrics and logs label by); UNMATCHED_ROUTE until one matched. */
  route = UNMATCHED_ROUTE;
  /** Decoded path parameters of the matched route template. */
  params: Record<string, string> = {};
  readonly #rawQuery: string;
  #query: URLSearchParams | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, requestId: string, rawQuery: string) {
    this.req = req;
    this.res = res;
    this.requestId = requestId;
    this.#rawQuery = rawQuery;
    this.#query = undefined;
  }

  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.#rawQuery);
    return this.#query;
  }
}

/** A route handler: writes the response itself, or throws (a FloodgateError becomes its envelope). */
export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;
