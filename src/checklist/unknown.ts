// An item whose verdict rests on settings being absent (or on Celery's defaults) cannot be decided when
// a config source that could hold them was not read: it becomes ❓ with the reasons, never ⚠️/❌/✅.
import { settingState, unreadFor, unreadReasons } from '../rules/lib/fact-state.js';
import type { DetectContext, Detection, ItemDef } from './types.js';

export function gateOnUnread(def: ItemDef, d: Detection, ctx: DetectContext): Detection {
  if (!def.settings || d.status === 'na' || d.status === 'unconfirmed') return d;
  // a verdict backed by an audit finding or by a setting that was read stands
  if ((d.evidence ?? []).some((e) => e.ruleId !== undefined)) return d;
  if (def.settings.some((name) => settingState(ctx.model, ctx.knowledge, name, {}, ctx.settings).state === 'known')) return d;
  const unread = unreadFor(ctx.model, { cli: def.cliToo });
  if (unread.length === 0) return d;
  const reasons = unreadReasons(unread);
  const shown = reasons.slice(0, 2).join('; ') + (reasons.length > 2 ? `; and ${reasons.length - 2} more (audit rule JC001 lists them)` : '');
  return { status: 'unconfirmed', detail: `${def.settings.join(' / ')} not found in what jobctl read, and ${reasons.length === 1 ? 'a source' : `${reasons.length} sources`} that could set ${def.settings.length === 1 ? 'it' : 'them'} could not be read: ${shown}`, evidence: d.evidence };
}
