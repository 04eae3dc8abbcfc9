// Worker memory and CPU: the RSS of the whole worker process tree (prefork children included) and
// the CPU time of the tree and of jobctl itself, sampled over the run; plus the leak verdict.
//
// On Linux everything comes from /proc (no child process per sample: `ps` would cost more CPU than
// the figure is worth at 4 samples/s). Elsewhere pidtree + pidusage are used.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import pidtree from 'pidtree';
import pidusage from 'pidusage';

export interface TreeSample {
  /** ms since the run started */
  tMs: number;
  /** tasks completed when the sample was taken */
  completed: number;
  rssBytes: number;
  /** RSS per PID, so child recycling (max_tasks_per_child) is visible and not read as a leak */
  perPid: Record<string, number>;
  /** cumulative CPU ms of the tree (live processes + reaped children) */
  cpuMs: number;
}

const isLinux = process.platform === 'linux';
let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100; // USER_HZ is 100 on every mainstream Linux build
    }
  }
  return clockTicks;
}

interface ProcStat { pid: number; ppid: number; cpuTicks: number; childCpuTicks: number }

function parseStat(text: string): ProcStat | null {
  // the command name (field 2) may contain spaces and parentheses: split after the last ')'
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const f = text.slice(close + 2).split(' ');
  // f[0] = state (field 3), so field n is f[n - 3]
  return { pid, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), childCpuTicks: Number(f[13]) + Number(f[14]) };
}

// /proc reads are synchronous on purpose: they never touch a disk, and readFileSync costs a few
// microseconds where the promise API costs an open/fstat/read/close round trip through libuv's
// thread pool per file (measured: that was most of jobctl's own CPU during a load test).
function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // the process ended
  }
}

function readAllStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const n of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(n)) continue;
    const text = readProc(`/proc/${n}/stat`);
    const s = text === null ? null : parseStat(text);
    if (s) out.set(s.pid, s);
  }
  return out;
}

/** The PIDs of `root` and all its descendants (empty when root is gone). */
export async function processTree(root: number): Promise<number[]> {
  if (!isLinux) {
    try { return [root, ...(await pidtree(root))]; } catch { return []; }
  }
  const stats = readAllStats();
  if (!stats.has(root)) return [];
  const children = new Map<number, number[]>();
  for (const s of stats.values()) {
    const list = children.get(s.ppid) ?? [];
    list.push(s.pid);
    children.set(s.ppid, list);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

let pageSize: number | undefined;
function bytesPerPage(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

function readPid(pid: number): { stat: ProcStat; rssBytes: number } | null {
  const statText = readProc(`/proc/${pid}/stat`);
  const statm = readProc(`/proc/${pid}/statm`);
  const stat = statText === null ? null : parseStat(statText);
  if (!stat || statm === null) return null;
  // statm field 2 = resident pages (proc(5)); the same figure as VmRSS in /proc/<pid>/status
  return { stat, rssBytes: Number(statm.split(' ')[1]) * bytesPerPage() };
}

/**
 * Samples one process tree. The tree (which PIDs) is rescanned from /proc only every
 * `rescanMs` or when a known PID has gone (a pool child recycled), because a full /proc scan costs
 * several ms of CPU on a busy host while reading a handful of PIDs costs microseconds.
 */
export class TreeSampler {
  private pids: number[] = [];
  private scannedAt = -Infinity;

  constructor(private readonly root: number, private readonly rescanMs = 5000) {}

  async sample(): Promise<{ rssBytes: number; perPid: Record<string, number>; cpuMs: number } | null> {
    if (!isLinux) return sampleTreePortable(this.root);
    const now = performance.now();
    if (now - this.scannedAt > this.rescanMs || !this.pids.length) {
      this.pids = await processTree(this.root);
      this.scannedAt = now;
    }
    let reads = this.pids.map(readPid);
    if (reads.some((r) => r === null)) {
      this.pids = await processTree(this.root);
      this.scannedAt = performance.now();
      reads = this.pids.map(readPid);
    }
    const rootRead = reads.find((r) => r?.stat.pid === this.root);
    if (!rootRead) return null;
    const hz = ticksPerSecond();
    let cpuTicks = rootRead.stat.childCpuTicks; // children the worker already reaped
    let rss = 0;
    const perPid: Record<string, number> = {};
    for (const r of reads) {
      if (!r) continue;
      perPid[String(r.stat.pid)] = r.rssBytes;
      rss += r.rssBytes;
      cpuTicks += r.stat.cpuTicks;
    }
    return { rssBytes: rss, perPid, cpuMs: (cpuTicks / hz) * 1000 };
  }
}

async function sampleTreePortable(root: number): Promise<{ rssBytes: number; perPid: Record<string, number>; cpuMs: number } | null> {
  const pids = await processTree(root);
  if (!pids.length) return null;
  const usage = await pidusage(pids).catch(() => ({} as Record<string, { memory: number; ctime: number }>));
  const perPid: Record<string, number> = {};
  let rss = 0;
  let cpu = 0;
  for (const [pid, u] of Object.entries(usage)) { perPid[pid] = u.memory; rss += u.memory; cpu += u.ctime; }
  return { rssBytes: rss, perPid, cpuMs: cpu };
}

/** One-off sample of the tree rooted at `root` (RSS summed over all PIDs, cumulative CPU ms). */
export async function sampleTree(root: number): Promise<{ rssBytes: number; perPid: Record<string, number>; cpuMs: number } | null> {
  return new TreeSampler(root).sample();
}

export type LeakVerdict = 'leak' | 'no-leak' | 'insufficient-data';

export interface MemorySummary {
  startBytes: number | null;
  peakBytes: number | null;
  endBytes: number | null;
  /** Tasks completed before growth is measured (start-up allocations and caches filling are not leaks). */
  warmupTasks: number;
  /** Growth from the post-warm-up level to the end of the run, percent. */
  growthPct: number | null;
  /** Slope of RSS against completed tasks after warm-up (least squares), bytes per 1,000 tasks. */
  per1kTasksBytes: number | null;
  /** How well a straight line explains the post-warm-up samples (0-1); steady growth is near 1. */
  fitR2: number | null;
  /** Lower end of the slope's ~95% confidence interval (slope − 2 standard errors), bytes per 1,000 tasks. */
  per1kLowerBytes?: number | null;
  verdict: LeakVerdict;
  reason: string;
  samples: TreeSample[];
}

export interface LeakCriteria {
  /** RSS slope per 1,000 tasks at or above which a steady climb counts as a leak. Default 1 MiB. */
  per1kBytes: number;
  /**
   * Minimum growth after warm-up, percent. Default 0: the verdict rests on the fitted slope and its
   * confidence, because a big worker leaking a steady +2.9 MiB per 1,000 tasks grows only a few
   * percent over a short run and still runs out of memory in production.
   */
  minGrowthPct: number;
  /** Minimum R² of the linear fit (a leak climbs steadily; noise does not). Default 0.6. */
  minR2: number;
}

export const DEFAULT_LEAK_CRITERIA: LeakCriteria = { per1kBytes: 1024 * 1024, minGrowthPct: 0, minR2: 0.6 };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export function analyseMemory(samples: TreeSample[], warmupTasks: number, criteria: LeakCriteria = DEFAULT_LEAK_CRITERIA): MemorySummary {
  const base = {
    startBytes: samples[0]?.rssBytes ?? null,
    peakBytes: samples.length ? Math.max(...samples.map((s) => s.rssBytes)) : null,
    endBytes: samples.at(-1)?.rssBytes ?? null,
    warmupTasks,
    samples,
  };
  const after = samples.filter((s) => s.completed >= warmupTasks);
  const span = after.length ? after.at(-1)!.completed - after[0]!.completed : 0;
  if (after.length < 5 || span < 200) {
    return { ...base, growthPct: null, per1kTasksBytes: null, fitR2: null, verdict: 'insufficient-data',
      reason: `need at least 5 memory samples over 200+ tasks after the ${warmupTasks}-task warm-up (got ${after.length} over ${span}); run more tasks` };
  }
  // least squares of rss against completed-task count
  const n = after.length;
  const mx = after.reduce((a, s) => a + s.completed, 0) / n;
  const my = after.reduce((a, s) => a + s.rssBytes, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (const s of after) {
    sxy += (s.completed - mx) * (s.rssBytes - my);
    sxx += (s.completed - mx) ** 2;
    syy += (s.rssBytes - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const r2 = sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  const k = Math.min(3, Math.floor(n / 3));
  const first = median(after.slice(0, k).map((s) => s.rssBytes));
  const last = median(after.slice(-k).map((s) => s.rssBytes));
  const growthPct = first > 0 ? ((last - first) / first) * 100 : 0;
  const per1k = slope * 1000;
  // standard error of the slope; the lower end of slope ± 2 SE must stay above zero for a leak
  const se = n > 2 && sxx > 0 ? Math.sqrt(Math.max(0, syy - slope * sxy) / (n - 2) / sxx) : Infinity;
  const per1kLower = (slope - 2 * se) * 1000;
  const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
  const isLeak = per1k >= criteria.per1kBytes && per1kLower > 0 && r2 >= criteria.minR2 && growthPct >= criteria.minGrowthPct;
  const mib = (b: number): string => `${round(b / 1024 / 1024)} MiB`;
  const ci = Number.isFinite(per1kLower) ? `, at least +${mib(Math.max(0, per1kLower))} with ~95% confidence` : '';
  const reason = isLeak
    ? `RSS climbs steadily after warm-up: +${mib(per1k)} per 1,000 tasks (R²=${round(r2)}${ci}), +${round(growthPct, 1)}% over the run`
    : `RSS after warm-up: ${per1k >= 0 ? '+' : ''}${mib(per1k)} per 1,000 tasks (R²=${round(r2)}), ${round(growthPct, 1)}% over the run; ` +
      `a leak needs a slope >= ${mib(criteria.per1kBytes)}/1k that stays above 0 within 2 standard errors and R² >= ${criteria.minR2}${criteria.minGrowthPct > 0 ? ` and >= ${criteria.minGrowthPct}% growth` : ''}`;
  return { ...base, growthPct: round(growthPct), per1kTasksBytes: Math.round(per1k), fitR2: round(r2, 3), per1kLowerBytes: Number.isFinite(per1kLower) ? Math.round(per1kLower) : null, verdict: isLeak ? 'leak' : 'no-leak', reason };
}
