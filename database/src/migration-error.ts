/** A migration run that must not proceed: a changed applied file, a failed file, a misnamed file. */
export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}
