/**
 * Units of one key's quota that a gateway holds: granted (and counted) by the store in one call and
 * admitted locally until the bucket they were counted in ends. Also remembers a refusal until the
 * quota can next change, so a flood against an exhausted key costs no store call per request.
 */
export class Lease {
  granted = 0;
  used = 0;
  /** Bucket the granted units were counted in (unused ones are refunded there). */
  bucket = 0;
  /** Monotonic ms after which unused units must not be admitted (their bucket may have ended). */
  validUntil = 0;
  /** The store's remaining quota right after the grant. */
  remaining = 0;
  /** Monotonic ms when quota next returns (RateLimit reset). */
  resetAt = 0;
  /** Units to ask for next time. */
  want = 1;
  /** Monotonic ms until which the last refusal stands (0: none). */
  refusedUntil = 0;
  /** Monotonic ms when a retry can succeed, for the standing refusal. */
  retryAt = 0;
  /** True once the store has answered for this key (its `remaining` means something). */
  informed = false;
  /** The renewal in flight, which concurrent requests for the key wait for. */
  pending: Promise<void> | null = null;
}
