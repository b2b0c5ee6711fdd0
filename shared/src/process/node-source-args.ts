/** Loaded into a child with `--import`: it stops itself when its parent's IPC channel closes. */
export const PARENT_WATCHDOG_URL = new URL('./parent-watchdog.ts', import.meta.url).href;

/**
 * The `node` arguments that run a TypeScript entry from source (tsx, the `source` export condition)
 * under the parent watchdog. Spawn with an `'ipc'` stdio slot: the child exits when that channel
 * closes, so it never outlives the process that started it, even one killed with SIGKILL.
 */
export function nodeSourceArgs(entry: string, args: readonly string[] = []): string[] {
  // Resolved here, not at load: services import this package and need not resolve tsx themselves.
  const tsx = import.meta.resolve('tsx');
  return ['--import', tsx, '--import', PARENT_WATCHDOG_URL, '--conditions=source', entry, ...args];
}
