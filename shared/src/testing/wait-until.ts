/**
 * Resolves once `check` holds, checking every `intervalMs`; fails after `timeoutMs` naming `what`
 * (a function is called then, so the message can say what was seen last). For state that no event
 * announces (another process's counters, say); wait for an event where there is one.
 */
export async function waitUntil(
  what: string | (() => string),
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for: ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
