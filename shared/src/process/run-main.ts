import { ConfigError } from '../config/config-error.js';

export interface Stoppable {
  /** Stops accepting work, finishes in-flight work, releases resources. */
  close(): Promise<void>;
}

/**
 * The entry point shape every service shares: start, then stop cleanly on SIGINT/SIGTERM.
 * A configuration error prints the named variables and exits 78 (EX_CONFIG) without a stack.
 */
export async function runMain(start: () => Promise<Stoppable>): Promise<void> {
  let service: Stoppable;
  try {
    service = await start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `startup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown after ${signal} failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
