import type { App } from '@slack/bolt';
import { REFUSAL_TEXT, refusalOf, type Requester } from '../access-policy.ts';
import { textMessage, type ChatMessage } from '../render/chat-message.ts';
import type { Outbox } from '../render/outbox.ts';
import type { RunThreadStore } from '../run-thread-store.ts';
import type { RunThreads } from '../run-threads.ts';
import { attachmentOf, downloadSlackFile, resolveSlackFiles, type SlackFile } from './slack-files.ts';
import type { BotDeps } from '../thread-plumbing.ts';
import { startRunFromMention, type InboundDeps } from '../inbound.ts';
import { answerQuestion, threadCommandFrom } from '../thread-message.ts';
import { parseThreadCommand } from '../thread-command.ts';

const MENTION = /<@[A-Z0-9]+(?:\|[^>]*)?>/g;

/**
 * Slack's messages into the inbound path (bot/inbound.ts): mentions, replies in a run's thread,
 * and clicks on a question's candidates, each checked against the allow-lists first.
 */
export class SlackMessages {
  /** The bot's own user id, once connected: a reply that mentions it is handled as a mention. */
  botUserId: string | undefined;

  constructor(
    private readonly opts: BotDeps,
    private readonly app: App,
    private readonly store: RunThreadStore,
    private readonly outbox: Outbox,
    private readonly threads: RunThreads,
    private readonly inbound: InboundDeps,
  ) {}

  private async reply(channel: string, thread: string | undefined, message: ChatMessage): Promise<void> {
    await this.outbox.post(channel, thread, message);
  }

  /** True when the allow-lists refuse the request; the person is told privately (a foreign workspace is only logged). */
  private async refuse(r: Requester, thread: string | undefined): Promise<boolean> {
    const refusal = refusalOf(r, this.opts.config);
    if (refusal === null) return false;
    this.opts.logger.warn({ ...r, refusal }, 'slack: request refused by the allow-lists');
    if (refusal !== 'workspace' && r.channel !== undefined && r.user !== undefined) {
      await this.outbox
        .postPrivate(r.channel, r.user, thread, textMessage(REFUSAL_TEXT[refusal]))
        .catch(() => undefined);
    }
    return true;
  }

  async onMention(event: MentionEvent, eventId: string, team: string | undefined): Promise<void> {
    // Slack redelivers an event it thinks was missed: only the first delivery does anything.
    if (!(await this.store.claimEvent('slack', eventId))) return;
    // Editing the message sends app_mention again (new event_id, same ts, `edited`): one message, one answer.
    if (
      event.edited !== undefined ||
      !(await this.store.claimEvent('slack', `msg:${event.channel}:${event.ts}`))
    )
      return;
    const { channel, user } = event;
    const threadTs = event.thread_ts ?? event.ts;
    if (user === undefined) return;
    if (await this.refuse({ workspace: team, channel, user }, threadTs)) return;
    await this.fromMessage(event, user, eventId, team);
  }

  /** A message for the bot (a mention, or a thread reply sharing a table to retrain on): a thread command, a follow-up, or a new run. */
  private async fromMessage(
    event: MentionEvent,
    user: string,
    eventId: string,
    team: string | undefined,
  ): Promise<void> {
    const { channel } = event;
    const threadTs = event.thread_ts ?? event.ts;
    const text = event.text.replace(MENTION, ' ').trim();
    // Slack Connect stubs are completed with files.info; hidden, deleted and external files are named.
    const resolved = await resolveSlackFiles(
      (event.files ?? []) as SlackFile[],
      (file) => this.app.client.files.info({ file }) as Promise<{ file?: SlackFile }>,
    );
    const files = resolved.files;
    if (resolved.problems.length > 0 && files.length === 0)
      return this.reply(channel, threadTs, textMessage(resolved.problems.join(' ')));

    // A mention inside a run's thread: without a file, a thread command; with one, a follow-up run.
    const priorRun =
      event.thread_ts === undefined ? null : await this.store.runOfThread('slack', channel, event.thread_ts);
    if (priorRun !== null && files.length === 0 && (event.files ?? []).length === 0)
      return threadCommandFrom(this.inbound, priorRun, user, text, true, `slack:${eventId}`);

    const limit = this.opts.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    await startRunFromMention(this.inbound, {
      platform: 'slack',
      team,
      channel,
      user,
      text,
      files: files.map(attachmentOf),
      idempotencyKey: `slack:${eventId}`,
      priorRun,
      reply: (m) => this.reply(channel, threadTs, m),
      download: (file, key, filename) =>
        downloadSlackFile({
          file: files.find((f) => f.id === file.id)!,
          token: this.opts.config.SLACK_BOT_TOKEN!,
          apiUrl: this.opts.config.SLACK_API_URL,
          maxBytes: limit,
          store: this.opts.store,
          key,
          filename,
        }),
      // On Slack the run's thread is the mentioning message's thread: nothing to open.
      openThread: async () => ({ channel, thread: threadTs }),
    });
  }

  async onThreadMessage(event: MentionEvent, eventId: string, team: string | undefined): Promise<void> {
    // Only plain replies by people, in a thread the bot started; mentions go to onMention.
    if (
      event.thread_ts === undefined ||
      event.thread_ts === event.ts ||
      event.bot_id !== undefined ||
      event.user === undefined
    )
      return;
    if (event.subtype !== undefined && event.subtype !== 'thread_broadcast' && event.subtype !== 'file_share')
      return;
    if (this.botUserId !== undefined && event.text?.includes(`<@${this.botUserId}`)) return;
    const runId = await this.store.runOfThread('slack', event.channel, event.thread_ts);
    if (runId === null) return;
    if (eventId !== '' && !(await this.store.claimEvent('slack', eventId))) return;
    if (await this.refuse({ workspace: team, channel: event.channel, user: event.user }, event.thread_ts))
      return;
    const text = (event.text ?? '').replace(MENTION, ' ').trim();
    // "retrain on this" with a table shared in the thread: a follow-up on the new file, not the old one.
    if (
      (event.files ?? []).length > 0 &&
      parseThreadCommand(text, { addressed: false, budgetSeconds: 0 }).kind === 'retrain'
    )
      return this.fromMessage({ ...event, text }, event.user, eventId, team);
    await threadCommandFrom(
      this.inbound,
      runId,
      event.user,
      text,
      false,
      eventId !== '' ? `slack:${eventId}` : undefined,
    );
  }

  async onTargetClick(
    value: string,
    user: string | undefined,
    channel: string | undefined,
    team: string | undefined,
  ): Promise<void> {
    let choice: { run?: unknown; column?: unknown };
    try {
      choice = JSON.parse(value) as typeof choice;
    } catch {
      return;
    }
    if (typeof choice.run !== 'string' || typeof choice.column !== 'string' || user === undefined) return;
    const thread = await this.store.get(choice.run);
    if (thread === null || (channel !== undefined && channel !== thread.channel)) return;
    if (await this.refuse({ workspace: team, channel: thread.channel, user }, thread.thread)) return;
    const view = await this.threads.view(thread);
    if (view.question === null) return;
    await answerQuestion(this.inbound, thread, view.question, choice.column, user);
  }
}

/** The fields of `app_mention` and `message` events the bot reads. */
export interface MentionEvent {
  type: string;
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text: string;
  ts: string;
  thread_ts?: string;
  files?: unknown[];
  /** Set on the app_mention Slack sends again when the message is edited. */
  edited?: { user: string; ts: string };
}
