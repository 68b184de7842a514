// Typed errors by layer. Only `cli/main.ts` turns them into output and an exit code.

/** Something the user can fix: printed as one or two lines, no stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Configuration is invalid: every problem is listed together. */
export class ConfigError extends UserError {
  constructor(readonly problems: string[]) {
    super(
      `Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'Fix these in .env, the environment or the flags (see `sentry-tg <command> --help`).',
      2,
    );
    this.name = 'ConfigError';
  }
}

/** The user pressed Ctrl-C at a prompt: a cancel, not a crash. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'CancelledError';
  }
}
