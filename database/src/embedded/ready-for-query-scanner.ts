/** Transaction status carried by a ReadyForQuery message: idle, in a transaction, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E';

const READY_FOR_QUERY = 0x5a; // 'Z'

/**
 * Follows a stream of PostgreSQL backend messages (type byte, int32 length, body), which may arrive
 * split at any byte, and remembers the status of the last ReadyForQuery seen.
 */
export class ReadyForQueryScanner {
  readonly #header = new Uint8Array(5);
  #headerBytes = 0;
  #bodyRemaining = 0;
  #bodyOffset = 0;
  #type = 0;
  #status: TransactionStatus | null = null;

  /** Status of the most recent ReadyForQuery, or null if none has been seen. */
  get status(): TransactionStatus | null {
    return this.#status;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#bodyRemaining > 0) {
        // ReadyForQuery's body is the one status byte.
        if (this.#type === READY_FOR_QUERY && this.#bodyOffset === 0) {
          this.#status = String.fromCharCode(chunk[i] as number) as TransactionStatus;
        }
        const take = Math.min(this.#bodyRemaining, chunk.length - i);
        this.#bodyRemaining -= take;
        this.#bodyOffset += take;
        i += take;
        continue;
      }
      this.#header[this.#headerBytes++] = chunk[i++] as number;
      if (this.#headerBytes < 5) continue;
      this.#headerBytes = 0;
      this.#type = this.#header[0] as number;
      const length =
        (((this.#header[1] as number) << 24) |
          ((this.#header[2] as number) << 16) |
          ((this.#header[3] as number) << 8) |
          (this.#header[4] as number)) >>>
        0;
      this.#bodyRemaining = Math.max(0, length - 4);
      this.#bodyOffset = 0;
    }
  }
}
