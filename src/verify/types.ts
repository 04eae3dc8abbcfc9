// The result of `jobctl verify`: one serialisable object that the text, markdown and JSON
// renderers all read. A stage runs once for the project as it is, or once per side (current and
// target) when rehearsing an upgrade.
export type StageId = 'static' | 'deps' | 'import' | 'smoke' | 'load' | 'tests' | 'drills';
export const ALL_STAGES: StageId[] = ['static', 'deps', 'import', 'smoke', 'load', 'tests', 'drills'];
/** what runs without --stages: the failure drills take about a minute per side, so they are asked for */
export const DEFAULT_STAGES: StageId[] = ALL_STAGES.filter((s) => s !== 'drills');

export type StageStatus = 'pass' | 'fail' | 'skip';

export interface SideOutcome {
  /** Celery version this side ran with */
  celery: string;
  status: StageStatus;
  durationMs: number;
  /** one line per fact jobctl saw (secrets masked) */
  evidence: string[];
  /** figures for the side-by-side table, e.g. { tasks: 4, warnings: 1, p95_ms: 12 } */
  figures: Record<string, number | string | null>;
}

export interface StageResult {
  id: StageId;
  title: string;
  status: StageStatus;
  durationMs: number;
  /** why it failed or was skipped, in one line */
  reason?: string;
  evidence: string[];
  current?: SideOutcome;
  target?: SideOutcome;
}

export interface ComparisonRow {
  stage: StageId;
  metric: string;
  current: number | string | null;
  target: number | string | null;
  /** target − current for numbers */
  delta: number | null;
  verdict: 'ok' | 'worse' | 'better' | 'changed' | 'info';
}

export interface VerifyResult {
  root: string;
  app: string | null;
  /** the project's Celery (detected) and the target when rehearsing */
  current: { version: string | null; source: string | null };
  target: string | null;
  rehearsal: boolean;
  python: string;
  stages: StageResult[];
  comparison: ComparisonRow[];
  /** per side, one line each: fresh install, imports, tasks registered, smoke, load */
  summary?: SideSummary[];
  /** a monorepo's worker services, each verified on its own (then `stages` is empty) */
  services?: ServiceVerifyResult[];
  /** set when this result is one worker service of a monorepo: its folder, its own requirement files, its app */
  service?: { folder: string; files: string[]; app: string };
  ok: boolean;
  exitCode: 0 | 1 | 2 | 3 | 130 | 143;
  interrupted: boolean;
  durationMs: number;
}

export interface SideSummary {
  role: 'current' | 'target';
  celery: string;
  /** "OK" | "broken (VersionMismatch: …)" | "not run" */
  freshInstall: string;
  imports: string;
  tasksRegistered: number | null;
  smoke: string;
  load: string;
}

export type ServiceVerifyResult = VerifyResult & { service: NonNullable<VerifyResult['service']> };
