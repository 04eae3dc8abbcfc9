// Answers for items jobctl cannot detect live in the project's jobctl.yaml:
//   checklist: { answers: { <item-id>: { status: done|not-done|n/a, note, by, at } } }
// They are written with the yaml package's Document API (parseDocument + setIn), so comments and
// every other key of the file are kept.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { JobctlConfig } from '../engine/config.js';
import { JobctlError } from '../util/errors.js';
import { ANSWER_STATUSES, type Answer } from './types.js';

const CONFIG_FILE = 'jobctl.yaml';

/** Answers from the loaded config (config.raw.checklist.answers); malformed entries are a one-line error. */
export function readAnswers(config: JobctlConfig): Record<string, Answer> {
  const file = config.file ?? CONFIG_FILE;
  const checklist = config.raw.checklist;
  if (checklist === undefined || checklist === null) return {};
  if (typeof checklist !== 'object' || Array.isArray(checklist)) throw new JobctlError(`${file}: \`checklist\` must be a mapping (e.g. \`checklist: {answers: {...}}\`)`, { file });
  const answers = (checklist as Record<string, unknown>).answers;
  if (answers === undefined || answers === null) return {};
  if (typeof answers !== 'object' || Array.isArray(answers)) throw new JobctlError(`${file}: \`checklist.answers\` must map item ids to {status, note, by, at}`, { file });
  const out: Record<string, Answer> = {};
  for (const [id, raw] of Object.entries(answers as Record<string, unknown>)) {
    const entry = typeof raw === 'string' ? { status: raw } : raw;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new JobctlError(`${file}: \`checklist.answers.${id}\` must be {status: done|not-done|n/a, note?, by?, at?}`, { file });
    const e = entry as Record<string, unknown>;
    const status = String(e.status ?? '');
    if (!(ANSWER_STATUSES as readonly string[]).includes(status)) throw new JobctlError(`${file}: \`checklist.answers.${id}.status\` is "${status}"; use one of ${ANSWER_STATUSES.join(', ')}`, { file });
    const a: Answer = { status: status as Answer['status'] };
    if (e.note !== undefined && e.note !== null) a.note = String(e.note);
    if (e.by !== undefined && e.by !== null) a.by = String(e.by);
    if (e.at !== undefined && e.at !== null) a.at = e.at instanceof Date ? e.at.toISOString() : String(e.at);
    out[id] = a;
  }
  return out;
}

/**
 * Write answers into the project's jobctl.yaml (created when missing), keeping everything else.
 * Returns the file written (relative). A config that lives in pyproject.toml is not rewritten:
 * a new jobctl.yaml would shadow it, so the user is told how to move it instead.
 */
export async function saveAnswers(root: string, config: JobctlConfig, answers: Record<string, Answer>): Promise<string> {
  if (config.file === 'pyproject.toml') {
    throw new JobctlError('pyproject.toml: jobctl keeps checklist answers in jobctl.yaml, which would replace your [tool.jobctl] settings; move them to jobctl.yaml and run again, or run with --ci', { file: 'pyproject.toml' });
  }
  const rel = config.file ?? CONFIG_FILE;
  const file = path.join(root, rel);
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch { /* a new file */ }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new JobctlError(`${rel}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix the file before saving answers`, { file: rel });
  for (const [id, a] of Object.entries(answers)) {
    const value: Record<string, string> = { status: a.status };
    if (a.note) value.note = a.note;
    if (a.by) value.by = a.by;
    if (a.at) value.at = a.at;
    doc.setIn(['checklist', 'answers', id], doc.createNode(value));
  }
  try {
    await fs.writeFile(file, doc.toString());
  } catch (err) {
    throw new JobctlError(`${rel}: cannot save checklist answers (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); make the file writable or run with --ci`, { file: rel });
  }
  return rel;
}
