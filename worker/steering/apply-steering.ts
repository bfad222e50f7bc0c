import { familyLabel } from '../../core/catalog/family-lookup.ts';
import { metricsForTask } from '../../core/schemas/task.ts';
import type { LoopContext } from '../loop/loop-types.ts';
import { EXCLUDED_WHY, recomputeBest } from './best-model.ts';
import { parseSteering } from './parse-steering.ts';
import { rescoreNodes } from './rescore.ts';

/**
 * Steering (docs/architecture.md, "Queue, events and control"): the loop applies new thread
 * messages before each decision, records them in the journal, and says what changed. This
 * applies the messages not yet applied, in order.
 */
export async function applySteering(ctx: LoopContext): Promise<void> {
  const journal = ctx.journal;
  const incoming = ctx.deps.steering?.() ?? [];
  const fresh = incoming.slice(journal.steering.length);
  if (fresh.length === 0) return;
  const emit = ctx.deps.events.emit.bind(ctx.deps.events);
  const plan = journal.plan!;
  for (const text of fresh) {
    journal.steering.push(text);
    for (const steer of parseSteering(
      text,
      ctx.profile.columns.map((c) => c.name),
    )) {
      switch (steer.kind) {
        case 'exclude':
          if (steer.column === plan.target) {
            await emit({
              type: 'note',
              level: 'warn',
              message: `"${steer.column}" is the target; it cannot be excluded.`,
            });
            break;
          }
          if (!plan.dropColumns.some((d) => d.column === steer.column))
            plan.dropColumns.push({ column: steer.column, why: EXCLUDED_WHY });
          recomputeBest(journal);
          await emit({
            type: 'strategy.changed',
            from: 'all usable columns',
            to: `without "${steer.column}"`,
            why: 'asked in the thread; models that used it can no longer be chosen',
          });
          break;
        case 'metric': {
          if (!metricsForTask(plan.task).includes(steer.metric)) {
            await emit({
              type: 'note',
              level: 'warn',
              message: `${steer.metric} does not fit a ${plan.task} task; keeping ${plan.metric} (choose from ${metricsForTask(plan.task).join(', ')}).`,
            });
            break;
          }
          const from = plan.metric;
          plan.metric = steer.metric;
          await rescoreNodes(journal, ctx.paths.root);
          recomputeBest(journal);
          await emit({
            type: 'strategy.changed',
            from: `judging by ${from}`,
            to: `judging by ${steer.metric}`,
            why: 'asked in the thread; earlier experiments were re-scored from their saved cross-validation',
          });
          break;
        }
        case 'prefer':
          journal.prefer = [...new Set([...journal.prefer, steer.family])];
          journal.forbid = journal.forbid.filter((f) => f !== steer.family);
          await emit({
            type: 'strategy.changed',
            from: 'the playbook order',
            to: `${familyLabel(steer.family)} next`,
            why: 'asked in the thread',
          });
          break;
        case 'forbid':
          journal.forbid = [...new Set([...journal.forbid, steer.family])];
          journal.prefer = journal.prefer.filter((f) => f !== steer.family);
          recomputeBest(journal);
          await emit({
            type: 'strategy.changed',
            from: 'the playbook order',
            to: `no ${familyLabel(steer.family)}`,
            why: 'asked in the thread',
          });
          break;
        case 'budget':
          journal.request.options.budgetSeconds += steer.seconds;
          await emit({
            type: 'note',
            level: 'info',
            message: `Budget extended by ${Math.round(steer.seconds)} s to ${Math.round(journal.request.options.budgetSeconds)} s, as asked.`,
          });
          break;
        case 'unknown':
          await emit({
            type: 'note',
            level: 'warn',
            message: `I did not understand "${steer.text}". I can: exclude <column>, use <metric>, try <family>, avoid <family>, add <time>, or stop.`,
          });
          break;
      }
    }
  }
  await ctx.save();
}
