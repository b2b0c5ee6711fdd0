import { Transform, type TransformCallback } from 'node:stream';
import { FloodgateError } from '@floodgate/shared';

/**
 * Passes a request body through while counting it; past `limitBytes` it fails with
 * PAYLOAD_TOO_LARGE, which aborts the upstream request. Used only for bodies without a declared
 * Content-Length (chunked): Node's parser already holds a declared length to its word.
 */
export class BodyLimitStream extends Transform {
  #remaining: number;
  readonly #limitBytes: number;

  constructor(limitBytes: number) {
    super();
    this.#remaining = limitBytes;
    this.#limitBytes = limitBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#remaining -= chunk.length;
    if (this.#remaining < 0) {
      callback(new FloodgateError('PAYLOAD_TOO_LARGE', `Request body exceeds ${this.#limitBytes} bytes`));
      return;
    }
    callback(null, chunk);
  }
}
