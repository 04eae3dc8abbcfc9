// Optional worker threads for the eager parse (index.ts readPython): the files the pre-filter picks are
// parsed by tree-sitter in worker threads (parse-worker.ts) while the main thread parses from the front of
// the same list, decodes what the workers send back (tree-codec.ts) and extracts facts in path order, so
// the model is exactly the single-threaded one. Lazy parses during linking stay on the main thread.
//
// When threads are used (chooseThreads):
// - JOBCTL_THREADS=0 turns them off, JOBCTL_THREADS=N asks for N workers (ReadPythonOptions.threads wins);
// - otherwise only when more than one core is free — os.availableParallelism() minus the 1-minute load
//   average (processes already running keep their cores busy) — and the eager parse is big enough that a
//   worker's fixed cost stays near 5 % of it: a worker costs ~45 ms CPU to start (a Node isolate plus the wasm
//   grammar) and ~50-100 ms more while V8 tiers up its wasm and JS, against ~0.2 ms CPU per 1,000 characters
//   parsed. So one worker per 10 M characters parsed eagerly: off for a normal audit, where the pre-filter
//   leaves little to parse (saleor: 1.2 M of 28 M characters; a worker there cost +7 % CPU), on for a read of
//   every file (JOBCTL_PYTHON_READ_ALL=1). docs/notes/speed.md has the measurements.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SourceFileInfo } from '../types.js';
import { JobctlError } from '../../util/errors.js';
import { parsePythonSync } from './parser.js';
import { grammarTables, type GrammarTables, type PFile } from './tree.js';
import { decodePFile, type EncodedTree } from './tree-codec.js';

export interface ParseRequest {
  batch: number;
  files: { index: number; text: string }[];
}
export interface ParseReply {
  batch: number;
  trees: ({ index: number; enc: EncodedTree } | { index: number; error: string })[];
}

/** Eagerly parsed Python text (UTF-16 units) per automatic worker, and the most workers started automatically. */
export const AUTO_CHARS_PER_WORKER = 10_000_000;
const MAX_AUTO_WORKERS = 3;
/** Workers one may ask for (JOBCTL_THREADS / the option). */
const MAX_WORKERS = 16;
/** Characters sent to a worker at once; each worker has up to two batches in flight. */
const BATCH_CHARS = 48 * 1024;
/** Files larger than this are parsed on the main thread (its loader applies the 2 MiB limit and notes). */
const MAX_SENT_CHARS = 512 * 1024;

/** A file's light tree as a worker parsed it, with its encoding (the fact cache stores that as it is). */
export interface WorkerTree {
  pf: PFile;
  enc: EncodedTree;
  tables: GrammarTables;
}

export interface ThreadChoice {
  workers: number;
  /** why: 'off: asked for 0', 'off: 0.8 of 2 cores free (load 1.2)', … — for benchmarks and tests */
  reason: string;
}

export interface ChooseThreadsInput {
  /** ReadPythonOptions.threads: 0 off, N workers; undefined: JOBCTL_THREADS, else automatic */
  requested?: number | undefined;
  /** Python text to parse eagerly (UTF-16 units), in how many files */
  eagerChars: number;
  eagerFiles: number;
  env?: NodeJS.ProcessEnv;
  /** for tests: cores and load average instead of the machine's */
  cores?: number;
  load?: number;
}

export function chooseThreads(input: ChooseThreadsInput): ThreadChoice {
  const env = input.env ?? process.env;
  let requested = input.requested;
  const raw = env.JOBCTL_THREADS?.trim();
  if (requested === undefined && raw !== undefined && raw !== '' && raw !== 'auto') {
    if (!/^\d+$/.test(raw)) throw new JobctlError(`JOBCTL_THREADS=${raw.slice(0, 20)}: not a number of parse threads; set 0 (off), a count such as 2, or auto`);
    requested = Number(raw);
  }
  if (requested !== undefined) {
    const workers = Math.min(Math.max(0, Math.floor(requested)), MAX_WORKERS, input.eagerFiles);
    return { workers, reason: requested === 0 ? 'off: asked for 0' : `asked for ${requested}` };
  }
  const cores = input.cores ?? os.availableParallelism();
  const load = input.load ?? os.loadavg()[0]!; // [0, 0, 0] on Windows: every core counts as free
  const free = Math.max(0, cores - load);
  const where = `${free.toFixed(1)} of ${cores} cores free (load ${load.toFixed(1)})`;
  if (free < 2) return { workers: 0, reason: `off: ${where}` };
  if (input.eagerChars < AUTO_CHARS_PER_WORKER) return { workers: 0, reason: `off: too little to parse (${input.eagerChars} characters)` };
  const workers = Math.min(Math.floor(free) - 1, MAX_AUTO_WORKERS, Math.floor(input.eagerChars / AUTO_CHARS_PER_WORKER));
  return { workers, reason: where };
}

type Slot = { kind: 'main' } | { kind: 'pending' } | { kind: 'done'; enc: EncodedTree } | { kind: 'failed' };

/**
 * Parses a list of files with worker threads from the back while the main thread takes them in order from the
 * front (take(i)). Every worker ends in close(), also when the caller throws.
 */
export class ParsePool {
  private readonly slots: Slot[];
  /** files at or after `end` are claimed by workers; the main thread claims below it */
  private end: number;
  private nextMain = 0;
  private readonly workers: Worker[] = [];
  private readonly inFlight = new Map<Worker, Map<number, number[]>>();
  private readonly waiting = new Map<number, () => void>();
  private batchSeq = 0;
  private closed = false;
  private alive = 0;
  private tables: GrammarTables | null = null;
  /** files the workers parsed (for tests and benchmarks) */
  parsedByWorkers = 0;

  /**
   * `mainParses: false` (tests): the main thread waits for the workers' trees instead of parsing from the front,
   * so every file a worker can take is parsed by one.
   */
  constructor(private readonly files: readonly SourceFileInfo[], workers: number, private readonly mainParses = true) {
    this.slots = files.map(() => ({ kind: 'main' }));
    this.end = files.length;
    const url = new URL('./parse-worker.js', import.meta.url);
    for (let i = 0; i < workers; i++) {
      let w: Worker;
      try {
        w = new Worker(url);
      } catch {
        break; // no thread to be had (resource limits): the main thread parses what no worker takes
      }
      this.workers.push(w);
      this.alive++;
      this.inFlight.set(w, new Map());
      w.on('message', (msg: { ready: true } | ParseReply) => this.onMessage(w, msg));
      // a worker that fails (or exits) hands its files back: the main thread parses them itself
      w.on('error', () => this.retire(w));
      w.on('exit', () => this.retire(w));
    }
  }

  /**
   * The light tree of file i, parsed by a worker, or null when the main thread is to parse it (not sent to a
   * worker, or the worker failed on it). Call in order, i = 0, 1, 2, …
   */
  async take(i: number): Promise<WorkerTree | null> {
    if (this.mainParses && i < this.end) {
      this.nextMain = i + 1;
      // let workers' replies and requests for more work through while the main thread parses
      await new Promise<void>((resolve) => setImmediate(resolve));
      return null;
    }
    const waits = (): boolean => !this.closed && (this.slots[i]!.kind === 'pending' || (i < this.end && this.alive > 0));
    while (waits()) await new Promise<void>((resolve) => this.waiting.set(i, resolve));
    const slot = this.slots[i]!;
    if (slot.kind !== 'done') return null;
    this.slots[i] = { kind: 'failed' }; // release the encoding
    const f = this.files[i]!;
    const tables = this.grammar();
    try {
      return { pf: decodePFile(f.file, f.text, slot.enc, tables), enc: slot.enc, tables };
    } catch {
      return null;
    }
  }

  /** End every worker (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => 0)));
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
  }

  private grammar(): GrammarTables {
    if (!this.tables) {
      const tree = parsePythonSync('');
      try {
        this.tables = grammarTables(tree);
      } finally {
        tree.delete();
      }
    }
    return this.tables;
  }

  private onMessage(w: Worker, msg: { ready: true } | ParseReply): void {
    if ('batch' in msg) {
      this.inFlight.get(w)?.delete(msg.batch);
      for (const t of msg.trees) {
        if ('enc' in t) {
          this.slots[t.index] = { kind: 'done', enc: t.enc };
          this.parsedByWorkers++;
        } else this.slots[t.index] = { kind: 'failed' };
        this.wake(t.index);
      }
    }
    this.feed(w);
  }

  /** Up to two batches in flight per worker, taken from the back of the list, never below the main thread. */
  private feed(w: Worker): void {
    const mine = this.inFlight.get(w);
    while (!this.closed && mine && mine.size < 2 && this.end > this.nextMain) {
      const batch: ParseRequest = { batch: this.batchSeq++, files: [] };
      let chars = 0;
      while (this.end > this.nextMain && chars < BATCH_CHARS) {
        const i = --this.end;
        const text = this.files[i]!.text;
        if (text.length > MAX_SENT_CHARS) continue; // slot stays 'main': take() answers null
        this.slots[i] = { kind: 'pending' };
        batch.files.push({ index: i, text });
        chars += text.length;
      }
      if (batch.files.length === 0) break;
      mine.set(batch.batch, batch.files.map((f) => f.index));
      w.postMessage(batch);
    }
  }

  private retire(w: Worker): void {
    const mine = this.inFlight.get(w);
    if (!mine) return;
    this.inFlight.delete(w);
    this.alive--;
    for (const indices of mine.values()) {
      for (const i of indices) {
        this.slots[i] = { kind: 'failed' };
        this.wake(i);
      }
    }
    // no worker left: whatever the main thread waits for, it parses itself
    if (this.alive === 0) for (const i of [...this.waiting.keys()]) this.wake(i);
  }

  private wake(i: number): void {
    const resolve = this.waiting.get(i);
    if (resolve) {
      this.waiting.delete(i);
      resolve();
    }
  }
}
