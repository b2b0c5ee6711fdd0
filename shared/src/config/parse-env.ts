import type { z } from 'zod';
import { ConfigError } from './config-error.js';

type Env = Record<string, string | undefined>;

/**
 * Validates `env` against an object schema keyed by env var names. On failure throws a ConfigError
 * whose lines name each variable, what it must be, and the value received.
 */
export function parseEnv<S extends z.ZodObject>(component: string, schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(root)');
    const got = env[name];
    return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
  });
  throw new ConfigError(component, lines);
}

/** Names of the env vars a schema reads: used by .env.example and the deployment-file checks. */
export function envNames(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}
