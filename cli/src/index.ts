export type { StatusReport } from './commands/status.js';
export { resolveStackOptions, type StackOptions } from './stack/stack-options.js';
