import type { ServerResponse } from 'node:http';
import { FloodgateError } from '../errors/floodgate-error.js';
import type { RouteMatch, Router } from './router.js';

/** The route label of a request no route matched: one bounded value for metrics and logs. */
export const UNMATCHED_ROUTE = '(unmatched)';

const NOT_FOUND = new FloodgateError('NOT_FOUND');
const METHOD_NOT_ALLOWED = new FloodgateError('METHOD_NOT_ALLOWED');

/**
 * The route `router` has for `method` and `path` (no query string). Throws NOT_FOUND, or
 * METHOD_NOT_ALLOWED after setting `Allow` on `res`, for the caller's error envelope.
 */
export function matchRoute<H>(
  router: Router<H>,
  method: string,
  path: string,
  res: ServerResponse,
): RouteMatch<H> {
  const found = router.find(method, path);
  if (found.kind === 'found') return found.match;
  if (found.kind === 'not-found') throw NOT_FOUND;
  res.setHeader('allow', found.allowed.join(', '));
  throw METHOD_NOT_ALLOWED;
}
