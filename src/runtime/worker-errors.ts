// What went wrong in a worker, read from its own output (already masked by the caller):
// - lastException: the exception that ended a start-up, whatever its class is called
//   (kombu.exceptions.VersionMismatch, django ImproperlyConfigured, DistributionNotFound, click's
//   "Error: ..."), i.e. the last line of the last Python traceback, not a guess by class-name suffix;
// - scanRunErrors: ERROR-level records and known trouble lines logged while the worker ran
//   (a signal handler raising on every task, lost broker connections, retries), grouped and counted.

const TRACEBACK = /^\s*Traceback \(most recent call last\):\s*$/;
const LOG_PREFIX = /^\[\d{4}-\d{2}-\d{2}[^\]]*?:\s*([A-Z]+)\/([\w-]+)\]\s?(.*)$/;

/** "pkg.mod.Error: message" or "Error: message" at the end of a traceback. */
function exceptionLine(line: string): boolean {
  return /^[A-Za-z_][\w.]*(?::\s.*|:?$)/.test(line) && !/^(File|During|The above|Traceback)\b/.test(line);
}

/**
 * The last exception of the last traceback in `logs` ("kombu.exceptions.VersionMismatch: ..."),
 * else the last click/jobctl error line ("Error: Invalid value for '-A'..."), else null.
 */
export function lastException(logs: string): string | null {
  const lines = logs.split('\n').map((l) => l.replace(/\r$/, ''));
  let tbStart = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (TRACEBACK.test(lines[i]!)) { tbStart = i; break; }
  if (tbStart >= 0) {
    // frames are indented; the exception is the first unindented line after them (its message may
    // continue on the following unindented lines until a blank line or a log record)
    for (let i = tbStart + 1; i < lines.length; i++) {
      const l = lines[i]!;
      if (!l.trim() || /^\s/.test(l)) continue;
      const m = LOG_PREFIX.exec(l);
      const text = (m ? m[3]! : l).trim();
      if (!exceptionLine(text)) continue;
      const more: string[] = [];
      for (let j = i + 1; j < lines.length && more.length < 3; j++) {
        const n = lines[j]!;
        if (!n.trim() || LOG_PREFIX.test(n) || TRACEBACK.test(n) || /^\s/.test(n)) break;
        more.push(n.trim());
      }
      return [text, ...more].join(' ').slice(0, 500);
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (/^(Error|jobctl): /.test(l)) {
      // click prints "Usage: ..." then "Try ... for help." then "Error: ..." (possibly continued)
      return l.slice(0, 500);
    }
  }
  return null;
}

export interface RunLogError {
  /** signal-handler | connection | retry | error */
  kind: 'signal-handler' | 'connection' | 'retry' | 'error';
  /** the first such line as logged (masked by the caller), without the timestamp prefix */
  message: string;
  count: number;
}

/** lines jobctl's own probes cause on purpose: not the app's trouble */
function isProbeNoise(msg: string, expected: RegExp[]): boolean {
  if (/\bjobctl[._](?:echo|fail|retry|sleep|outlive_soft_limit|asyncio_probe)\b|\bjobctl_loadprobe\.\w+\[/.test(msg)) return true;
  if (/^(Hard|Soft) time limit .* exceeded for jobctl\./.test(msg)) return true;
  return expected.some((re) => re.test(msg));
}

function classify(level: string, msg: string): RunLogError['kind'] | null {
  if (/^Signal handler .* raised/.test(msg)) return 'signal-handler';
  if (/\bretry: Retry in\b/.test(msg)) return 'retry';
  if (/consumer: Cannot connect|Connection to broker lost|ConnectionError|ConnectionRefusedError|Error while reading from socket|Connection reset by peer|Connection closed by server/i.test(msg)) return 'connection';
  if (level === 'ERROR' || level === 'CRITICAL') return 'error';
  return null;
}

/** a stable key for "the same error again": ids, addresses and numbers blanked */
function groupKey(kind: string, msg: string): string {
  return `${kind}|${msg.replace(/\[[0-9a-f-]{36}\]/g, '[id]').replace(/0x[0-9a-f]+/gi, '0x').replace(/\d+(\.\d+)?/g, 'N').slice(0, 200)}`;
}

/**
 * ERROR records and trouble lines from a worker's log, grouped. `expected` matches lines a caller
 * caused on purpose (a smoke task declared to fail, the hard-limit kill of a pool child).
 */
export function scanRunErrors(logs: string, expected: RegExp[] = []): RunLogError[] {
  const groups = new Map<string, RunLogError>();
  const records = logs.split('\n').map((l) => LOG_PREFIX.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ level: m[1]!, msg: m[3]! }));
  // each hard-limit kill of a jobctl probe makes billiard log the SIGKILLed pool child and the
  // TimeLimitExceeded handler error, in either order: not the app's trouble
  let kills = records.filter((r) => /^Hard time limit .* exceeded for jobctl\./.test(r.msg)).length;
  let handlerErrors = kills;
  for (const { level, msg } of records) {
    if (kills > 0 && /^Process '.*' pid:\d+ exited with 'signal 9 \(SIGKILL\)'/.test(msg)) { kills--; continue; }
    if (handlerErrors > 0 && /^Task handler raised error: TimeLimitExceeded/.test(msg)) { handlerErrors--; continue; }
    const kind = classify(level, msg);
    if (!kind || isProbeNoise(msg, expected)) continue;
    const key = groupKey(kind, msg);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { kind, message: msg.slice(0, 300), count: 1 });
  }
  return [...groups.values()];
}

/** "signal handler raised ×12: Signal handler <function ...> raised: ValueError('x')" */
export function describeRunError(e: RunLogError): string {
  const label = { 'signal-handler': 'a signal handler raised', connection: 'broker/backend connection error', retry: 'task retried', error: 'error logged' }[e.kind];
  return `${label} ×${e.count}: ${e.message}`;
}
