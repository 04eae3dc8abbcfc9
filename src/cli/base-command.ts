// Shared behaviour of every jobctl command: --json (oclif's flag: only JSON on stdout), exit codes,
// and one-line errors (never a stack trace) for anything a user can cause.
import { writeFileSync } from 'node:fs';
import { Command } from '@oclif/core';
import { JobctlError, type ExitCode } from '../util/errors.js';
import { maskDeep, maskUrlCredentials } from '../util/mask.js';

export abstract class JobctlCommand extends Command {
  static override enableJsonFlag = true;

  /** with --json and -o FILE, the JSON document is written to FILE as well as stdout */
  protected jsonOutputFile: string | undefined;

  override logJson(raw: unknown): void {
    // every JSON document passes the one masking step (results are masked already; this is the net)
    const json = maskDeep(raw);
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

  /** Usage errors oclif does not catch: empty flag values (`--target ''`) and two outputs asked at once. */
  override async init(): Promise<void> {
    await super.init();
    for (let i = 0; i < this.argv.length; i++) {
      const a = this.argv[i]!;
      if (a === '--') break;
      const eq = /^(--[a-z][\w-]*)=$/.exec(a);
      if (eq) throw new JobctlError(`${eq[1]} is empty; give it a value or leave the flag out`);
      if (a === '' && i > 0 && /^-/.test(this.argv[i - 1]!)) throw new JobctlError(`${this.argv[i - 1]} is empty; give it a value or leave the flag out`);
      if (a === '') throw new JobctlError('an empty argument was given; pass the project folder (e.g. `.`) or leave it out');
    }
    const format = requestedFormat(this.argv);
    // --json wins (one JSON document on stdout, as documented), but never silently
    if (this.argv.includes('--json') && format !== null && format !== 'json') process.stderr.write(`jobctl: --json is given, so --format ${format} is ignored (stdout is the JSON result)\n`);
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
    const format = requestedFormat(this.argv);
    if (this.jsonEnabled() || format === 'json') {
      process.stdout.write(`${JSON.stringify({ error: { message, exitCode: code, ...(err instanceof JobctlError && err.file ? { file: err.file } : {}), ...(err instanceof JobctlError && err.jsonExtra ? err.jsonExtra : {}) } }, null, 2)}\n`);
    } else if (format === 'sarif') {
      // a SARIF consumer (code scanning upload) gets a valid log that says the run failed
      process.stdout.write(`${JSON.stringify(sarifError(message, code, this.config.version), null, 2)}\n`);
      process.stderr.write(`jobctl: ${message}\n`);
    } else {
      process.stderr.write(`jobctl: ${message}\n`);
    }
    process.exitCode = code;
    return undefined;
  }
}

/** The --format the user asked for, read from the raw arguments (a usage error happens before parsing). */
export function requestedFormat(argv: string[]): string | null {
  let format: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if ((a === '--format' || a === '-f') && i + 1 < argv.length) format = argv[i + 1]!;
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
  }
  return format;
}

function sarifError(message: string, exitCode: number, version: string): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'jobctl', version, informationUri: 'https://www.npmjs.com/package/jobctl', rules: [] } },
      results: [],
      invocations: [{ executionSuccessful: false, exitCode, toolExecutionNotifications: [{ level: 'error', message: { text: message } }] }],
    }],
  };
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
