// Small text helpers shared by the integrations: 1-based locations, logical lines with
// backslash continuations, and finding where a value sits in a file that a parser without
// positions (TOML, JSON) has read.
import type { Location, WorkerCommand } from '../types.js';

export function loc(file: string, line: number, column = 1): Location {
  return { file, line, column };
}

/** 1-based line and column of a character offset. */
export function offsetToLoc(file: string, text: string, offset: number): Location {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { file, line, column: offset - lastNl };
}

export interface LogicalLine {
  /** the joined text, continuations removed */
  text: string;
  /** 1-based number of the first physical line */
  line: number;
  /** 1-based number of the last physical line (after its backslash continuations) */
  endLine: number;
}

/** Physical lines joined where they end with a backslash (shell, Dockerfile, requirements, systemd). */
export function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const phys = text.split(/\r?\n/);
  let buf: string[] = [];
  let start = 0;
  for (let i = 0; i < phys.length; i++) {
    const l = phys[i]!;
    if (buf.length === 0) start = i + 1;
    if (/\\\s*$/.test(l) && !/^\s*#/.test(l)) {
      buf.push(l.replace(/\\\s*$/, ''));
      continue;
    }
    buf.push(l);
    out.push({ text: buf.join(' '), line: start, endLine: i + 1 });
    buf = [];
  }
  if (buf.length) out.push({ text: buf.join(' '), line: start, endLine: phys.length });
  return out;
}

/**
 * The first line (1-based) at or after `fromLine` whose text matches `re`, or `fallback`.
 * Used to place facts read by position-less parsers (smol-toml, JSON) back onto their line.
 */
export function findLine(text: string, re: RegExp, fromLine = 1, fallback = 1): number {
  const lines = text.split(/\r?\n/);
  for (let i = Math.max(0, fromLine - 1); i < lines.length; i++) if (re.test(lines[i]!)) return i + 1;
  return fallback;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** PEP 503 normalized project name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function basename(rel: string): string {
  return rel.split('/').pop() ?? rel;
}

/**
 * Where a token sits inside a value written over lines `loc.line`..`lastLine` (a parenthesised Python value, a folded
 * or literal YAML scalar, a multi-line dict): the first line on which `re` matches. A finding points at the line of
 * the offending token (the literal secret, the worker command, the CERT_NONE value), not at the first line of the
 * value. `loc` itself when the token is on its first line or on none.
 */
export function tokenLoc(lines: readonly string[], loc: Location, re: RegExp, lastLine = loc.endLine ?? loc.line): Location {
  const once = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
  for (let l = loc.line; l <= lastLine && l <= lines.length; l++) {
    const m = once.exec(lines[l - 1] ?? '');
    if (m) return l === loc.line ? loc : { file: loc.file, line: l, column: m.index + 1 };
  }
  return loc;
}

/**
 * A worker started by a command written over several lines: the line holding `celery … <subcommand>`
 * (`/bin/bash -c '` / `sleep 3;` / `celery -A proj worker …` points at the third), else the line of its `celery` word
 * (a Kubernetes `command: [celery, -A, proj]` above `args: [worker, …]` points at the command).
 */
export function invocationLoc(lines: readonly string[], loc: Location, subcommand: string | null, lastLine: number): Location {
  if (subcommand) {
    const re = new RegExp(`\\bcelery\\b.*(^|[\\s'"])${escapeRe(subcommand)}\\b`);
    const both = tokenLoc(lines, loc, re, lastLine);
    if (both !== loc || re.test(lines[loc.line - 1] ?? '')) return both;
  }
  return tokenLoc(lines, loc, /\bcelery\b/, lastLine);
}

/** Workers parsed from a command written over lines `w.loc.line`..`lastLine`: each moves to its invocationLoc. */
export function locateInvocationLines(found: WorkerCommand[], text: string, lastLine: number): void {
  let lines: string[] | undefined;
  for (const w of found) {
    if (w.loc.line >= lastLine) continue;
    lines ??= text.split(/\r?\n/);
    w.loc = invocationLoc(lines, w.loc, w.subcommand, lastLine);
  }
}
