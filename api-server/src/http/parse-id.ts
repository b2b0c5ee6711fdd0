import { validationFailed } from '@floodgate/shared';

const ID = /^[1-9][0-9]{0,15}$/;

/** A path id: a positive integer in decimal without leading zeros, else VALIDATION_FAILED. */
export function parseId(raw: string | undefined): number {
  if (raw !== undefined && ID.test(raw)) return Number(raw);
  throw validationFailed('path', [{ path: 'id', message: 'must be a positive integer' }]);
}
