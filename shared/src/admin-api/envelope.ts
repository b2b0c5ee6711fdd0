import { z } from 'zod';
import { ErrorCodes } from '../errors/error-codes.js';

/** One object: `{data: {...}}`. */
export function dataOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: item }).meta({ id });
}

/** One page of a list: `{data: [...], nextCursor}`; `nextCursor` is null on the last page. */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass back as `cursor` for the next page; null on the last page.' }),
    })
    .meta({ id });
}

/** A page as producers build it. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const ERROR_CODES = Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]];

/** Every error answer: `{"error":{"code","message","requestId"}}` (docs/errors.md). */
export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      requestId: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** A point in time on the wire: ISO-8601 in UTC, e.g. `2026-01-31T12:00:00.000Z`. */
export const Timestamp = z.iso.datetime().meta({ id: 'Timestamp' });

/** A count: a non-negative integer. */
export const Count = z.int().min(0);
