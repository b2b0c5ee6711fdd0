/** Raised when the environment does not satisfy a component's schema; names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly string[];

  constructor(component: string, issues: readonly string[]) {
    super(`Invalid configuration for ${component}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
