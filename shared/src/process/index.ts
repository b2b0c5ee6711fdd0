export { nodeSourceArgs, PARENT_WATCHDOG_URL } from './node-source-args.js';
export { runMain, type Stoppable } from './run-main.js';
