// Shared behaviour of every jobctl command: --json (oclif's flag: only JSON on stdout), exit codes,
// and one-line errors (never a stack trace) for anything a user can cause.
import { Command } from '@oclif/core';
import { JobctlError, type ExitCode } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export abstract class JobctlCommand extends Command {
  static override enableJsonFlag = true;

  /** Set the process exit code without exiting (so oclif can still print the JSON result). */
  protected setExitCode(code: ExitCode): void {
    process.exitCode = code;
  }

  /** Human output goes to stderr when --json is on, so stdout stays pure JSON. */
  protected out(text: string): void {
    if (this.jsonEnabled()) process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Progress and diagnostics: always stderr. */
  protected progress(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own parse/usage errors keep their behaviour (exit 2 via package.json exitCodes)
    if (!(err instanceof JobctlError) && err.oclif !== undefined) throw err;
    const code: ExitCode = err instanceof JobctlError ? err.exitCode : 2;
    const message = maskUrlCredentials(err instanceof JobctlError ? err.message : `internal error: ${err.message} (set DEBUG=jobctl* for details)`);
    if (process.env.DEBUG?.includes('jobctl') && err.stack) process.stderr.write(`${err.stack}\n`);
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ error: { message, exitCode: code, ...(err instanceof JobctlError && err.file ? { file: err.file } : {}) } }, null, 2)}\n`);
    } else {
      process.stderr.write(`jobctl: ${message}\n`);
    }
    process.exitCode = code;
    return undefined;
  }
}
