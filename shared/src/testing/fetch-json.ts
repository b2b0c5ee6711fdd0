/** A parsed JSON response body, inspected freely by assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes and assert on them
export type JsonBody = any;

export interface FetchJsonOptions {
  /** @default 'GET' */
  method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (for malformed bodies); wins over `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface JsonResponse<T = JsonBody> {
  status: number;
  headers: Headers;
  /** The parsed body when the response is JSON, else its text (null when empty). */
  body: T;
}

/** One request with fetch: JSON in, status, headers and the parsed body out. */
export async function fetchJson<T = JsonBody>(
  url: string,
  options: FetchJsonOptions = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, { method: options.method ?? 'GET', headers, body });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? (json ? JSON.parse(text) : text) : null) as T,
  };
}
