// A rule is one module: metadata plus a check over the shared project model (ESLint's meta + create).
// A rule never prints; it reports findings through the context.
import type { Location, ProjectModel } from '../model/types.js';
import type { Knowledge, ReleaseFacts } from '../knowledge/types.js';

export type Severity = 'error' | 'warning' | 'info';
export type Confidence = 'high' | 'medium' | 'low';
export type Band = 'reading' | 'settings' | 'event-loop' | 'versions' | 'deploy' | 'security' | 'readiness';

export interface UpstreamSource {
  /** what the source is: 'Celery docs: Configuration — New lowercase settings' */
  title: string;
  /** where: a URL, or repo@ref:path (a file at a tag), or a changelog entry */
  ref: string;
}

export interface RuleMeta {
  id: string; // 'JC101'
  name: string; // 'old-setting-name' (kebab-case)
  band: Band;
  severity: Severity; // default severity
  confidence: Confidence;
  title: string; // one line
  /** markdown: why this matters (the docs page body is generated from this) */
  description: string;
  /** markdown: how to fix */
  fix: string;
  /** code that triggers the rule, and code that does not (shown in the docs) */
  examples?: { bad: string; good: string; /** code-fence language of the examples (default python) */ language?: string };
  sources: UpstreamSource[];
  /** this rule needs a --target version to say anything */
  needsTarget?: boolean;
}

export interface ReportInput {
  loc: Location;
  message: string;
  /** a concrete hint for this occurrence (defaults to meta.fix's first line in reporters) */
  hint?: string;
  severity?: Severity; // override (e.g. raised when the target makes it fatal)
  confidence?: Confidence;
  /** stable extra identity for fingerprints when one line has several findings of one rule */
  key?: string;
}

export interface RuleContext {
  model: ProjectModel;
  knowledge: Knowledge;
  /** facts of the target release (--target), when given */
  target: ReleaseFacts | null;
  /** facts of the release the project is on now, when it could be detected */
  current: ReleaseFacts | null;
  report(input: ReportInput): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}
