import { Args } from '@oclif/core';
import { JobctlCommand } from '../cli/base-command.js';
import { allRules } from '../rules/index.js';
import { renderRuleDoc } from '../rules/docs.js';
import { summarizeRule } from '../engine/rule-summary.js';
import type { RuleSummary } from '../engine/types.js';
import { JobctlError } from '../util/errors.js';

export default class Rules extends JobctlCommand {
  static override summary = 'List every rule, or explain one';
  static override examples = ['<%= config.bin %> rules', '<%= config.bin %> rules JC201', '<%= config.bin %> rules get-event-loop-in-task'];
  static override args = { rule: Args.string({ description: 'rule id or name', required: false }) };

  async run(): Promise<RuleSummary[] | RuleSummary> {
    const { args } = await this.parse(Rules);
    if (args.rule) {
      const q = args.rule.trim();
      const rule = allRules.find((r) => r.meta.id === q.toUpperCase() || r.meta.name === q);
      if (!rule) throw new JobctlError(`no rule \`${q}\`; \`jobctl rules\` lists every rule`);
      this.out(renderRuleDoc(rule.meta));
      return summarizeRule(rule);
    }
    // the name column is as wide as the longest name, so severity stays aligned (JC110, JC403, JC611 have long names)
    const width = Math.max(...allRules.map((r) => r.meta.name.length));
    const rows = allRules.map((r) => `${r.meta.id}  ${r.meta.name.padEnd(width)} ${r.meta.severity.padEnd(8)} ${r.meta.title}`);
    this.out(rows.join('\n'));
    return allRules.map(summarizeRule);
  }
}
