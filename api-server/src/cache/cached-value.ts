import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type ContentEncoding = 'br' | 'gzip';

/**
 * One cached response body (serialised JSON) and its compressed forms, made on first request and
 * kept with the body, so a hot entry is compressed once, not once per response.
 */
export class CachedValue {
  readonly body: Buffer;
  /** Wall-clock ms at which the copy stops being fresh in L2 (stale-if-error counts from here). */
  readonly expiresAtMs: number;
  #gzip: Buffer | undefined;
  #br: Buffer | undefined;

  constructor(body: Buffer, expiresAtMs: number) {
    this.body = body;
    this.expiresAtMs = expiresAtMs;
  }

  /** Bytes charged against the L1 bound: the body plus room for its compressed copies. */
  get sizeBytes(): number {
    return this.body.length * 2 + 64;
  }

  encoded(encoding: ContentEncoding): Buffer {
    if (encoding === 'gzip') {
      this.#gzip ??= gzipSync(this.body, { level: 6 });
      return this.#gzip;
    }
    this.#br ??= brotliCompressSync(this.body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: this.body.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    });
    return this.#br;
  }

  /** The L2 form: `<expiresAtMs>\n<json>`. */
  toL2Payload(): string {
    return `${this.expiresAtMs}\n${this.body.toString('utf8')}`;
  }

  static fromL2Payload(payload: string): CachedValue | null {
    const nl = payload.indexOf('\n');
    const expiresAtMs = nl === -1 ? Number.NaN : Number(payload.slice(0, nl));
    if (!Number.isFinite(expiresAtMs)) return null;
    return new CachedValue(Buffer.from(payload.slice(nl + 1), 'utf8'), expiresAtMs);
  }
}
