// The result of `jobctl drill`: one serialisable object that the text renderer, --json and verify's
// drills stage all read.
export type DrillId = 'broker-restart' | 'pool-kill' | 'visibility-timeout' | 'maxmemory' | 'warm-shutdown';
export const ALL_DRILLS: DrillId[] = ['broker-restart', 'pool-kill', 'visibility-timeout', 'maxmemory', 'warm-shutdown'];

export type DrillVerdict = 'pass' | 'fail' | 'skip';

export interface TimelineEvent {
  /** ms since the drill started */
  atMs: number;
  event: string;
}

/** The setting that would change the outcome, and where its behaviour is written down. */
export interface DrillSetting {
  name: string;
  /** the value the app runs with (as the worker reported it), or what the project's files say */
  value: string;
  /** what to set instead, in one line */
  fix: string;
  /** public sources: upstream file@tag, docs pages */
  sources: string[];
}

export interface DrillResult {
  id: DrillId;
  title: string;
  verdict: DrillVerdict;
  /** one line: what happened */
  summary: string;
  /** why it was skipped or what it could not do (skip only) */
  reason?: string;
  broker: 'redis' | 'amqp';
  timeline: TimelineEvent[];
  counts: Record<string, number>;
  /** facts read from the project and the worker (settings, scaling), one line each */
  facts: string[];
  setting: DrillSetting;
  /** seconds the drill may take, and what it took */
  budgetMs: number;
  durationMs: number;
}

export interface DrillReport {
  root: string;
  app: string;
  celeryVersion: string;
  kombuVersion: string | null;
  python: string;
  drills: DrillResult[];
  ok: boolean;
  exitCode: 0 | 1 | 3 | 130 | 143;
  interrupted: boolean;
  durationMs: number;
}
