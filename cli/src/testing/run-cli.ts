import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/floodgate.js', import.meta.url));

/**
 * Runs the real `floodgate` binary (`cli/bin/floodgate.js`, as npm installs it) with `args` and only
 * PATH, HOME and `env` in its environment; resolves with its exit code and output.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += String(c);
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += String(c);
  });
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}
