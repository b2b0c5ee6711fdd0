import { FloodgateError } from '@floodgate/shared';
import type { z } from 'zod';

export interface ValidationIssue {
  /** Dotted path into the input ("data.items.0"); "" for the input itself. */
  path: string;
  message: string;
}

/**
 * Parses `value` with `schema`; on failure throws VALIDATION_FAILED whose details list every issue
 * as `{path, message}` (the envelope carries them to the client).
 */
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

export function validationFailed(what: string, issues: ValidationIssue[]): FloodgateError {
  const summary = issues
    .slice(0, 3)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join('; ');
  return new FloodgateError('VALIDATION_FAILED', `Invalid ${what}: ${summary}`, { details: { issues } });
}

const ID = /^[1-9][0-9]{0,15}$/;

/** A path id: a positive integer in decimal without leading zeros, else VALIDATION_FAILED. */
export function parseId(raw: string | undefined): number {
  if (raw !== undefined && ID.test(raw)) return Number(raw);
  throw validationFailed('path', [{ path: 'id', message: 'must be a positive integer' }]);
}
