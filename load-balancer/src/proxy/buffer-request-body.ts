import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body of at most `limitBytes` so a retry can resend the same bytes. Calls `done`
 * with the body, or with null once the body turned out larger: then what was read is put back into
 * `req` (unshift) and the caller streams `req` as usual, unretryable. Never calls `done` when the
 * client goes away first (the response's close event reports that).
 */
export function bufferRequestBody(
  req: IncomingMessage,
  limitBytes: number,
  done: (body: Buffer | null) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const collected = () => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  const cleanup = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
  };
  function onData(chunk: Buffer): void {
    chunks.push(chunk);
    size += chunk.length;
    if (size <= limitBytes) return;
    cleanup();
    req.pause();
    req.unshift(collected());
    done(null);
  }
  function onEnd(): void {
    cleanup();
    done(size === 0 ? Buffer.alloc(0) : collected());
  }
  function onError(): void {
    cleanup();
  }
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}
