import { type ProcessExit, runNodeProcess } from '@floodgate/shared/testing';

/**
 * Runs the real `floodgate` binary (`cli/bin/floodgate.js`, as npm installs it) with `args` and only
 * PATH, HOME and `env` in its environment; resolves with its exit and output.
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<ProcessExit & { stdout: string; stderr: string }> {
  return runNodeProcess('cli/bin/floodgate.js', args, { env });
}
