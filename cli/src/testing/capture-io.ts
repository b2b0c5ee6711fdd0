import type { CommandIo } from '../commands/admin-command.js';

/** A CommandIo that keeps what a command printed. */
export function captureIo(): { io: CommandIo; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
