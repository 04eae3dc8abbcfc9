import type { Rule } from './types.js';
import { isTestFile } from './lib/settings.js';
import { getModuleGlobals, getClassAttributes } from '../model/python/index.js';

const NAME = /(ALERT|NOTIF|ONCALL|ON_CALL|ESCALATION|INCIDENT)[A-Z_]*RECIPIENTS?|RECIPIENTS?[A-Z_]*(ALERT|NOTIF)/i;

export const rule: Rule = {
  meta: {
    id: 'JC607',
    name: 'empty-alert-recipients',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: 'Alert recipient list is empty: alerts go to nobody',
    description: 'An alert or notification recipient list that is empty in code (`RESILIENCE_ALERT_RECIPIENTS: list[str] = []`) means every alert task runs, succeeds, and reaches no one unless production overrides it — which nothing checks. jobctl flags the empty default; confirm the production value in `jobctl checklist`.',
    fix: 'Require the value in production (fail start-up when it is empty), or set a real default distribution list.',
    sources: [{ title: 'Why an empty recipient default is reported (pattern and detection)', ref: 'docs/evidence/readiness-patterns.md' }],
  },
  check(ctx) {
    const seen = new Set<string>();
    const consider = (name: string, valueText: string, loc: import('../model/types.js').Location): void => {
      if (!NAME.test(name) || isTestFile(loc.file)) return;
      if (!/^(\[\s*\]|\(\s*\)|list\(\s*\)|tuple\(\s*\)|set\(\s*\)|Field\(\s*default_factory\s*=\s*list\s*\)|field\(\s*default_factory\s*=\s*list\s*\))$/.test(valueText.trim())) return;
      const k = `${loc.file}:${loc.line}`;
      if (seen.has(k)) return;
      seen.add(k);
      ctx.report({ loc, key: name, message: `\`${name}\` is empty: alerts sent to it reach nobody unless production overrides it`, hint: 'require it in production or set a real default' });
    };
    for (const [, globals] of getModuleGlobals(ctx.model)) for (const [name, g] of globals) consider(name, g.valueText, g.loc);
    for (const attr of getClassAttributes(ctx.model)) consider(attr.name, attr.valueText, attr.loc);
  },
};
