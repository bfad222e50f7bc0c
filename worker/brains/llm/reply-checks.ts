import type { BrainState } from '../brain.ts';
import { MAX_FIXES } from '../heuristic/heuristic-brain.ts';
import { fixDepth } from '../journal-lineage.ts';
import { FAMILY_NAME, type NextReply, type ScriptReply } from './schemas.ts';

/** Checks of the LLM brain's replies (llm-brain.ts): a failed check is sent back to the model to retry. */

/** What is wrong with a `next` reply given the journal, or null. */
export function checkNext(r: NextReply, state: BrainState): string | null {
  if (r.action === 'stop')
    return state.bestNodeId === null
      ? 'no experiment has produced a model yet: propose one (stop once a model works)'
      : null;
  if (r.operator === null || r.family === null || r.hypothesis === null || r.hypothesis.trim() === '')
    return 'an experiment needs operator, family and hypothesis';
  if (r.operator !== 'ensemble' && !FAMILY_NAME.test(r.family))
    return `family "${r.family}" must be a snake_case name like lightgbm or random_forest`;
  if (state.forbid.includes(r.family)) return `the user ruled out ${r.family}`;
  const byId = new Map(state.nodes.map((n) => [n.id, n]));
  const parent = r.parent === null ? undefined : byId.get(r.parent);
  if (r.parent !== null && parent === undefined) return `parent "${r.parent}" is not in the journal`;
  switch (r.operator) {
    case 'draft':
      return r.parent === null ? null : 'a draft has parent null';
    case 'fix':
      if (parent === undefined || parent.status !== 'failed')
        return 'a fix needs a failed experiment as parent';
      return fixDepth(parent, byId) >= MAX_FIXES
        ? `${parent.id} already went through ${MAX_FIXES} fixes: draft another family, or stop`
        : null;
    case 'improve':
    case 'tune':
    case 'search':
      return parent !== undefined && parent.status === 'succeeded'
        ? null
        : `${r.operator} needs a succeeded experiment as parent`;
    case 'ensemble': {
      const members = r.members.map((m) => byId.get(m));
      if (members.length < 2 || members.length > 3) return 'an ensemble needs 2 or 3 members';
      const bad = r.members.filter((m, i) => members[i]?.status !== 'succeeded');
      return bad.length > 0 ? `members must be succeeded experiments: ${bad.join(', ')}` : null;
    }
  }
}

const REQUIRED_CALLS = ['load_train(', 'cross_validate(', 'save_model(', 'write_metrics('];

/** The header the brain writes atop a script, which a reply may copy from its parent. */
export const HEADER = /^(?:# ouro experiment: .*\n|# Hypothesis: .*\n)+/;

/** The script without the markdown fence some models wrap it in, nor a header copied from its parent. */
export function cleanScript(script: string): string {
  const fenced = script.trim().match(/^```[a-zA-Z]*\n([\s\S]*?)\n?```$/);
  return `${(fenced?.[1] ?? script).replace(HEADER, '').trimEnd()}\n`;
}

/** What is wrong with a written script, or null: it must use the harness's contract. */
export function checkScript(r: ScriptReply): string | null {
  const script = cleanScript(r.script);
  if (script.length > 60_000) return 'the script is too long; keep it under 300 lines';
  if (!script.includes('ouro_harness')) return 'the script must import from ouro_harness';
  const missing = REQUIRED_CALLS.filter((c) => !script.includes(c));
  return missing.length > 0
    ? `the script must call ${missing.map((c) => c.slice(0, -1)).join(', ')} (see the harness contract)`
    : null;
}
