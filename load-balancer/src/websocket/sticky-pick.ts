import type { IncomingMessage } from 'node:http';
import type { Backend } from '../backends/backend.js';

/**
 * The client a WebSocket belongs to, for stickiness: the first X-Forwarded-For entry (the gateway in
 * front sets it; this is routing, not trust), else the socket address.
 */
export function stickyClientKey(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (first) return first;
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** 32-bit FNV-1a over a string's UTF-16 code units, continuing from `seed`. */
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A final avalanche (murmur3 fmix32), so close inputs give unrelated scores. */
function mix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Rendezvous (highest random weight) hashing of `key` over the available backends: the same client
 * gets the same backend while it stays available; when one becomes unavailable only its own clients
 * move, and they come back when it returns.
 */
export function pickSticky(backends: readonly Backend[], key: string): Backend | undefined {
  const keyHash = fnv1a(key);
  let best: Backend | undefined;
  let bestScore = -1;
  for (const backend of backends) {
    if (!backend.isAvailable()) continue;
    const score = mix(fnv1a(backend.url, keyHash));
    if (score > bestScore) {
      best = backend;
      bestScore = score;
    }
  }
  return best;
}
