import { z } from 'zod';

/** Building blocks for env schemas. Every env value arrives as a string (or is absent). */

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const ratio = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/** "true/false/1/0/yes/no" → boolean. */
export const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

export const httpUrl = z.url({ protocol: /^https?$/ });

export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

export const nodeEnv = z.enum(['development', 'production', 'test']).default('development');

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');
