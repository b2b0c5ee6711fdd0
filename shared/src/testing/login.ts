import { fetchJson } from './fetch-json.js';

/**
 * Logs in through `POST /api/v1/auth/login` (on an api-server or a gateway) and returns the session
 * token. The default credentials are the dev seed's user.
 */
export async function login(
  baseUrl: string,
  email = 'user@example.com',
  password = 'user123',
): Promise<string> {
  const res = await fetchJson(`${baseUrl}/api/v1/auth/login`, { method: 'POST', body: { email, password } });
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}
