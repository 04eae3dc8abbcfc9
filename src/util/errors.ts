// Errors meant for users: one line, naming the file and the fix. Commands turn them into exit codes.
export type ExitCode = 0 | 1 | 2 | 3 | 130 | 143;

export class JobctlError extends Error {
  readonly exitCode: ExitCode;
  readonly file?: string;
  /** extra facts for --json (e.g. the masked worker log tail when a worker failed); already masked */
  readonly jsonExtra?: Record<string, unknown>;
  constructor(message: string, opts: { exitCode?: ExitCode; file?: string; cause?: unknown; jsonExtra?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'JobctlError';
    this.exitCode = opts.exitCode ?? 2;
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.jsonExtra !== undefined) this.jsonExtra = opts.jsonExtra;
  }
}

/** The broker or worker could not be reached/started (exit 3). */
export class UnavailableError extends JobctlError {
  constructor(message: string, opts: { file?: string; cause?: unknown; jsonExtra?: Record<string, unknown> } = {}) {
    super(message, { ...opts, exitCode: 3 });
    this.name = 'UnavailableError';
  }
}
