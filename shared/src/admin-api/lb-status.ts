import { z } from 'zod';
import { LB_ALGORITHMS } from '../config/load-balancer-config.js';
import { BackendStatus } from './backends.js';
import { Count, dataOf, Timestamp } from './envelope.js';

/** Balancing algorithms: exactly the values `LB_ALGORITHM` accepts. */
export const LbAlgorithm = z.enum(LB_ALGORITHMS).meta({ id: 'LbAlgorithm' });
export type LbAlgorithm = z.infer<typeof LbAlgorithm>;

/** `GET /lb/status`: the balancer and every backend (bounded by the pool, so not paged). */
export const LbStatus = z
  .object({
    algorithm: LbAlgorithm,
    startedAt: Timestamp,
    uptimeMs: Count,
    backends: z.array(BackendStatus),
  })
  .meta({ id: 'LbStatus' });
export type LbStatus = z.infer<typeof LbStatus>;

export const LbStatusAnswer = dataOf(LbStatus, 'LbStatusAnswer');
export type LbStatusAnswer = z.infer<typeof LbStatusAnswer>;
