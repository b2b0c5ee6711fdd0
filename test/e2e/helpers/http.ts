import { assertConformsToOpenApi } from './openapi-conformance.js';

/**
 * Small fetch wrappers for e2e tests: JSON in, status + parsed JSON + headers out. Every admin and
 * status answer is checked against the OpenAPI document on the way.
 */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = unknown>(
  url: string,
  init: {
    method?: string;
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  assertConformsToOpenApi(init.method ?? 'GET', url, res.status, parsed);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

export async function login(gatewayUrl: string, email: string, password: string): Promise<string> {
  const res = await call<{ token: string }>(`${gatewayUrl}/api/v1/auth/login`, {
    method: 'POST',
    body: { email, password },
  });
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}
