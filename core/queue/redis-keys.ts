/** Every Redis key ouro writes besides BullMQ's own, in one place. */
export const redisKeys = {
  events: (runId: string) => `ouro:run:${runId}:events`,
  control: (runId: string) => `ouro:run:${runId}:control`,
  idempotency: (key: string) => `ouro:idem:${key}`,
  /** A freshly created model key, held briefly for the bot to hand to the person who asked. */
  freshKey: (runId: string) => `ouro:run:${runId}:key`,
  /** Runs known to this deployment, newest last (for `ouro runs` and the bot's restart replay). */
  runs: 'ouro:runs',
};
