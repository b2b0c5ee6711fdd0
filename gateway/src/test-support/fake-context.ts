import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { GatewayResponse } from '../http/gateway-response.js';
import { RequestContext } from '../pipeline/request-context.js';

/** A request context over unconnected objects, for testing stages and routing without sockets. */
export function fakeContext(
  method: string,
  url: string,
  headers: Record<string, string> = {},
): RequestContext {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = headers;
  const res = new GatewayResponse(req);
  const ctx = new RequestContext(req, res, 0);
  res.context = ctx;
  return ctx;
}
