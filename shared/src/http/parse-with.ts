import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { FloodgateError } from '../errors/floodgate-error.js';
import { readJsonBody } from './read-json-body.js';

/** One problem with the input, as `details.issues` of a VALIDATION_FAILED envelope carries it. */
export interface ValidationIssue {
  /** Dotted path into the input (`data.items.0`); "" for the input itself. */
  path: string;
  message: string;
}

/**
 * VALIDATION_FAILED with the one wording every service uses: `Invalid <what>: <path>: <message>; …`
 * (the first three issues), every issue in `details.issues`.
 */
export function validationFailed(what: string, issues: ValidationIssue[]): FloodgateError {
  const summary = issues
    .slice(0, 3)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join('; ');
  return new FloodgateError('VALIDATION_FAILED', `Invalid ${what}: ${summary}`, { details: { issues } });
}

/** Parses `value` with `schema`, else throws `validationFailed(what, …)`; an unknown key is "unknown field". */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = 'request body',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = [];
  for (const i of result.error.issues) {
    const path = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys)
        issues.push({ path: path ? `${path}.${key}` : key, message: 'unknown field' });
    } else {
      issues.push({ path, message: i.message });
    }
  }
  throw validationFailed(what, issues);
}

/**
 * Reads a JSON body (at most `limitBytes`; an empty body is `{}`) and parses it with `schema`:
 * 413, 415, 400 INVALID_JSON as `readJsonBody`, 400 VALIDATION_FAILED as `parseWith`.
 */
export async function readBodyWith<S extends z.ZodType>(
  req: IncomingMessage,
  schema: S,
  limitBytes: number,
): Promise<z.output<S>> {
  return parseWith(schema, (await readJsonBody(req, limitBytes)) ?? {});
}

/** Parses a query string's parameters with `schema` (a repeated parameter: its first value). */
export function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [name, value] of query) if (!(name in raw)) raw[name] = value;
  return parseWith(schema, raw, 'query');
}
