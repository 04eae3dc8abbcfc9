// Reporters by name (knip-style map). Every reporter renders the same AuditResult.
import type { AuditResult } from '../engine/types.js';
import { renderAuditText } from './audit-text.js';
import { renderAuditGithub } from './audit-github.js';
import { buildAuditSarif } from './audit-sarif.js';
import { renderAuditMarkdown } from './audit-markdown.js';
import { buildAuditGitlab } from './audit-gitlab.js';

export const AUDIT_FORMATS = ['text', 'json', 'sarif', 'github', 'markdown', 'gitlab'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export function renderAudit(result: AuditResult, format: AuditFormat, opts: { color: boolean }): string {
  switch (format) {
    case 'text':
      return renderAuditText(result, opts);
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(buildAuditSarif(result), null, 2)}\n`;
    case 'github':
      return renderAuditGithub(result);
    case 'markdown':
      return renderAuditMarkdown(result);
    case 'gitlab':
      return `${JSON.stringify(buildAuditGitlab(result), null, 2)}\n`;
  }
}

/** Colour only on a TTY, never with NO_COLOR set (non-empty) or TERM=dumb; FORCE_COLOR forces it. */
export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  if (process.env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}
