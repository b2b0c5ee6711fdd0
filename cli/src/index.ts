export {
  AdminClient,
  type AdminClientOptions,
  type HealthResult,
  type HttpAnswer,
} from './admin-client.js';
export { type CommandIo, EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE } from './commands/admin-command.js';
export { runStatus, type StatusOptions, type StatusReport } from './commands/status.js';
export { runUp, type UpIo } from './commands/up.js';
export { type EmbeddedMode, type ResolvedPostgres, resolvePostgres } from './infra/resolve-postgres.js';
export { type ResolvedRedis, resolveRedis } from './infra/resolve-redis.js';
export { createStackSpecs } from './stack/create-stack-specs.js';
export { resolveStackOptions, type StackOptions } from './stack/stack-options.js';
export {
  type RestartDecision,
  RestartPolicy,
  type RestartPolicyOptions,
} from './supervisor/restart-policy.js';
export { type ChildProcessSpec, Supervisor, type SupervisorOptions } from './supervisor/supervisor.js';
