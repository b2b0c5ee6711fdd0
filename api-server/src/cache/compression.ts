import type { ContentEncoding } from './cached-value.js';

const TOKEN = /^\s*([a-z0-9*_-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$/i;

/**
 * The encoding to answer with for an Accept-Encoding header: brotli when the client rates it at
 * least as high as gzip, else gzip, else none (identity). `q=0` refuses an encoding; `*` stands
 * for any encoding not named.
 */
export function negotiateEncoding(header: string | undefined): ContentEncoding | null {
  if (!header) return null;
  let br = -1;
  let gzip = -1;
  let star = -1;
  for (const part of header.split(',')) {
    const m = TOKEN.exec(part);
    if (!m) continue;
    const q = m[2] === undefined ? 1 : Number(m[2]);
    if (!(q >= 0 && q <= 1)) continue;
    const name = (m[1] as string).toLowerCase();
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip, q);
    else if (name === '*') star = q;
  }
  if (br === -1) br = star;
  if (gzip === -1) gzip = star;
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return null;
}
