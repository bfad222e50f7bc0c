import type { ModelCard } from '../../../core/schemas/model-card.ts';
import type { LoopContext, RunOutcome } from '../loop-types.ts';

/**
 * Delivery: the composing process makes the published model reachable (a key, a server) and the
 * run says where; a model that could not be deployed stays published. Then the run ends.
 */
export async function deliver(
  ctx: LoopContext,
  card: ModelCard,
  cancelled: boolean,
  challenge: { promoted: boolean } | null = null,
): Promise<RunOutcome> {
  const { journal, deps, emit } = ctx;
  // A challenger that lost is kept in the registry, not served: the champion's URL stays as it was.
  if (deps.deploy && challenge?.promoted !== false) {
    try {
      const deployed = await deps.deploy(card);
      // The key is never part of an event: events are archived and posted to threads.
      if (deployed !== null)
        await emit({ type: 'deployed', name: card.name, version: card.version, url: deployed.url });
    } catch (err) {
      await emit({
        type: 'note',
        level: 'warn',
        message: `The model is saved as ${card.name} v${card.version} but could not be deployed: ${(err as Error).message}`,
      });
    }
  }
  journal.status = cancelled ? 'cancelled' : 'succeeded';
  await ctx.save();
  if (cancelled)
    await emit({
      type: 'cancelled',
      reason: 'stopped on request; the best model so far was validated and saved',
    });
  await emit({ type: 'finished', card });
  return { status: journal.status === 'cancelled' ? 'cancelled' : 'succeeded', journal, card };
}
