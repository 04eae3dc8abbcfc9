// Shared behaviour of every jobctl command: --json (oclif's flag: only JSON on stdout), exit codes,
// and one-line errors (never a stack trace) for anything a user can cause.
import { writeFileSync } from 'node:fs';
import { Command } from '@oclif/core';
import { JobctlError, type ExitCode } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export abstract class JobctlCommand extends Command {
  static override enableJsonFlag = true;

  /** with --json and -o FILE, the JSON document is written to FILE as well as stdout */
  protected jsonOutputFile: string | undefined;

  override logJson(json: unknown): void {
    super.logJson(json);
    if (this.jsonOutputFile) {
      try {
        writeFileSync(this.jsonOutputFile, `${JSON.stringify(json, null, 2)}\n`);
      } catch (err) {
        process.stderr.write(`jobctl: ${this.jsonOutputFile}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path\n`);
        process.exitCode = 2;
      }
    }
  }

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
    // oclif's exit() must keep its behaviour; its parse/usage errors (unknown flag, bad option value,
    // extra argument) become the same one line as ours (oclif would print a banner and the whole usage,
    // and with --json nothing on stdout at all).
    if (!(err instanceof JobctlError) && err.oclif !== undefined && !isParseError(err)) throw err;
    const code: ExitCode = err instanceof JobctlError ? err.exitCode : 2;
    const message = maskUrlCredentials(err instanceof JobctlError ? err.message
      : isParseError(err) ? usageLine(err.message, this.id)
        : `internal error: ${err.message} (set DEBUG=jobctl* for details)`);
    if (process.env.DEBUG?.includes('jobctl') && err.stack) process.stderr.write(`${err.stack}\n`);
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ error: { message, exitCode: code, ...(err instanceof JobctlError && err.file ? { file: err.file } : {}), ...(err instanceof JobctlError && err.jsonExtra ? err.jsonExtra : {}) } }, null, 2)}\n`);
    } else {
      process.stderr.write(`jobctl: ${message}\n`);
    }
    process.exitCode = code;
    return undefined;
  }
}

/** oclif's CLIParseError (and subclasses) carry the parser input in `parse`; a flag's own parse
 * function failing (`-c 0` for an integer with min 1) is a plain Error that oclif suffixes with its hint. */
function isParseError(err: Error): boolean {
  if ((err as { code?: unknown }).code === 'EEXIT') return false;
  return ('parse' in err && (err as { parse?: unknown }).parse !== undefined) || /See more help with --help\s*$/.test(err.message);
}

/** oclif's parse message on one line, pointing at the command's help instead of oclif's generic hint. */
function usageLine(message: string, id: string | undefined): string {
  const text = message.replace(/\n?See more help with --help\s*$/, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  return `${text}; see \`jobctl ${id ?? ''}${id ? ' ' : ''}--help\``;
}
