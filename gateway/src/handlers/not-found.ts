import { FloodgateError } from '@floodgate/shared';
import type { Stage } from '../pipeline/stage.js';

/** Answers every path the gateway neither serves nor proxies (anything outside `/api/`, `/lb/` included). */
export function createNotFoundStage(): Stage {
  return {
    name: 'notFound',
    handle() {
      throw new FloodgateError('NOT_FOUND');
    },
  };
}
