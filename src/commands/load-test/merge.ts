import { Args, Flags } from '@oclif/core';
import { JobctlCommand } from '../../cli/base-command.js';
import { renderLoadTestHtml, renderLoadTestText, type LoadTestResult } from '../../loadtest/index.js';
import { mergeShardFiles } from '../../loadtest/merge.js';
import { parseThresholds } from '../../loadtest/thresholds.js';
import { compareWithBaseline, readBaseline } from '../../loadtest/baseline.js';
import { assertWritable, writeReport } from '../../loadtest/report-file.js';
import { loadToJUnit, writeJUnitFile } from '../../report/junit.js';
import { JobctlError } from '../../util/errors.js';
import { maskDeep } from '../../util/mask.js';

export default class LoadTestMerge extends JobctlCommand {
  static override summary = 'Merge the --json files of `load-test --shard i/N` producers into one result and apply the thresholds to the whole';
  static override description = 'Checks that the files are the N shards of one run (same --run-id, each index once, all present unless --allow-missing), adds their HDR latency histograms (exact percentiles), sums the counts, computes rates over the union of their time windows, applies the thresholds (these --threshold flags, else the ones the shards were given, else lost==0 and errors<1%) and prints the same text, --json, --report HTML and --junit as a single load-test. Exit 0 all thresholds passed, 1 a threshold failed (or a shard was interrupted or missing), 2 usage error or a bad file.';
  static override examples = [
    '<%= config.bin %> load-test merge shard-*.json',
    "<%= config.bin %> load-test merge shard-1.json shard-2.json --threshold 'p95<500ms' --threshold 'errors<1%' --report load.html",
    '<%= config.bin %> load-test merge shard-*.json --json > load.json',
  ];
  static override strict = false;
  static override args = { file: Args.string({ description: 'the shards\' --json files (all N of the run)', required: true }) };
  static override flags = {
    threshold: Flags.string({ summary: "pass/fail gate for the whole run, repeatable (as for load-test): 'p95<3s', 'errors<2%', 'lost==0', 'throughput>100/s' …", multiple: true }),
    'allow-missing': Flags.boolean({ summary: 'merge even when some of the N shards are missing (said in the result; the run does not pass)' }),
    report: Flags.string({ summary: 'write a self-contained HTML report to this file' }),
    junit: Flags.string({ summary: 'also write JUnit XML to this file (one testcase per threshold)' }),
    baseline: Flags.string({ summary: 'an earlier run\'s --json output (merged or single): report deltas against it' }),
  };

  async run(): Promise<LoadTestResult> {
    const { argv, flags } = await this.parse(LoadTestMerge);
    const files = argv as string[];
    for (const f of files) if (f.startsWith('-')) throw new JobctlError(`${f}: unknown flag for load-test merge; see \`jobctl load-test merge --help\``);
    const thresholds = flags.threshold ?? [];
    parseThresholds(thresholds); // a bad expression is a usage error before any file is read
    if (flags.report !== undefined) await assertWritable(flags.report);
    const baseline = flags.baseline !== undefined ? await readBaseline(flags.baseline) : null;
    let result = await mergeShardFiles(files, { thresholds, allowMissing: flags['allow-missing'] });
    if (baseline && flags.baseline) result.baseline = compareWithBaseline(result, baseline, flags.baseline);
    result = maskDeep(result);
    if (result.merged?.missing.length) this.progress(`jobctl: warning: merged without shard${result.merged.missing.length > 1 ? 's' : ''} ${result.merged.missing.map((i) => `${i}/${result.merged!.count}`).join(', ')} (--allow-missing): the run does not pass`);
    if (flags.report) await writeReport(flags.report, renderLoadTestHtml(result));
    if (flags.junit) await writeJUnitFile(flags.junit, 'jobctl load-test merge', loadToJUnit(result));
    if (!this.jsonEnabled()) process.stdout.write(renderLoadTestText(result));
    this.setExitCode(result.passed ? 0 : 1);
    return result;
  }
}
