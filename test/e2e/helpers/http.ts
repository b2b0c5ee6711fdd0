import {
  type FetchJsonOptions,
  fetchJson,
  type JsonBody,
  type JsonResponse,
} from '@floodgate/shared/testing';
import { assertConformsToOpenApi } from './openapi-conformance.js';

/** fetchJson, with every admin and status answer checked against the OpenAPI document on the way. */
export async function call<T = JsonBody>(
  url: string,
  options: FetchJsonOptions = {},
): Promise<JsonResponse<T>> {
  const res = await fetchJson<T>(url, options);
  assertConformsToOpenApi(options.method ?? 'GET', url, res.status, res.body);
  return res;
}
