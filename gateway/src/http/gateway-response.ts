import { type IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../pipeline/request-context.js';

/**
 * The server's response class: it carries its request context, so response events ('close',
 * 'drain') are handled by functions shared by every request instead of per-request closures.
 */
export class GatewayResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  context: RequestContext | null = null;
}
