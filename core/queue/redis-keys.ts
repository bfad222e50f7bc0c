/** Every Redis key ouro writes besides BullMQ's own, in one place. */
export const redisKeys = {
  events: (runId: string) => `ouro:run:${runId}:events`,
  control: (runId: string) => `ouro:run:${runId}:control`,
  idempotency: (key: string) => `ouro:idem:${key}`,
  /** A freshly created model key, held briefly for the bot to hand to the person who asked. */
  freshKey: (runId: string) => `ouro:run:${runId}:key`,
  /** Runs known to this deployment, newest last (for `ouro runs` and the bot's restart replay). */
  runs: 'ouro:runs',
  /** The chat thread of a run (bot/run-thread-store.ts): where it is, its status message, the last event rendered. */
  botThread: (runId: string) => `ouro:bot:thread:${runId}`,
  /** Which run a chat thread belongs to, so replies in the thread can steer it. */
  botThreadRun: (platform: string, channel: string, threadId: string) =>
    `ouro:bot:thread-run:${platform}:${channel}:${threadId}`,
  /** Runs whose threads the bot still follows (replayed when the bot restarts). */
  botActiveRuns: 'ouro:bot:active',
  /** A chat event already handled (platforms retry deliveries). */
  botEvent: (platform: string, eventId: string) => `ouro:bot:event:${platform}:${eventId}`,
};
