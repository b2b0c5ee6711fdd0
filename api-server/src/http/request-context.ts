import type { IncomingMessage, ServerResponse } from 'node:http';

/** Per-request state handed to a route handler. Fixed shape; the query string is parsed only on demand. */
export class RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Decoded path parameters of the matched route template. */
  readonly params: Record<string, string>;
  readonly #rawQuery: string;
  #query: URLSearchParams | undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    params: Record<string, string>,
    rawQuery: string,
  ) {
    this.req = req;
    this.res = res;
    this.requestId = requestId;
    this.params = params;
    this.#rawQuery = rawQuery;
    this.#query = undefined;
  }

  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.#rawQuery);
    return this.#query;
  }
}

/** A route handler: writes the response itself, or throws (FloodgateError → its status). */
export type Handler = (ctx: RequestContext) => Promise<void> | void;
