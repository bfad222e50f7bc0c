import { REFUSAL_TEXT, refusalOf } from '../access-policy.ts';
import { parsePredictCommand, PREDICT_USAGE } from '../predict/parse-predict.ts';
import { PredictionError } from '../predict/prediction-client.ts';
import type { ModelOwner } from '../../core/model-owner.ts';
import { renderModelInfo, renderModelList, renderPrediction } from '../predict/render-prediction.ts';
import { textMessage, type ChatMessage } from '../render/chat-message.ts';
import { INLINE_PREDICT, type PredictCommand } from '../render/render-card.ts';
import { toSlackMessage } from './slack-blocks.ts';
import type { BotDeps } from '../thread-plumbing.ts';
import { keyClaimRefusal, type HeldKeys } from '../held-keys.ts';
import { keyMessage } from '../key-handover.ts';
import { registerSecrets } from '../../core/redact.ts';

export const PREDICT_COMMAND: PredictCommand = INLINE_PREDICT;

/** Slack's `/predict`: answered privately (or to the channel with `--share`) in the command's response. */
export class SlackPredict {
  constructor(
    private readonly opts: BotDeps,
    private readonly heldKeys: HeldKeys,
  ) {}

  /** `/predict key <model>`: the held key, in the command's private response (the asker is there now). */
  private async collectKey(model: string, user: string): Promise<ChatMessage> {
    const claim = await this.heldKeys.claim('slack', model, user);
    if (claim.kind !== 'key') return textMessage(keyClaimRefusal(claim, model));
    registerSecrets([claim.key]);
    return keyMessage(model, claim.key);
  }

  async onPredict(
    command: { text: string; user_id: string; channel_id: string; team_id: string },
    respond: (m: Record<string, unknown>) => Promise<unknown>,
  ): Promise<void> {
    const send = (message: ChatMessage, share = false) =>
      respond({ response_type: share ? 'in_channel' : 'ephemeral', ...toSlackMessage(message) });
    const refusal = refusalOf(
      { workspace: command.team_id, channel: command.channel_id, user: command.user_id },
      this.opts.config,
    );
    if (refusal !== null) {
      if (refusal !== 'workspace') await send(textMessage(REFUSAL_TEXT[refusal]));
      return;
    }
    const parsed = parsePredictCommand(command.text);
    if (parsed.kind === 'error') return void (await send(textMessage(parsed.message)));
    if (parsed.kind === 'key') return void (await send(await this.collectKey(parsed.model, command.user_id)));
    const { predictions } = this.opts;
    try {
      let message: ChatMessage;
      // Only the models this workspace (or channel, OURO_MODEL_ACCESS) may use: core/model-owner.ts.
      const asker: ModelOwner = { platform: 'slack', team: command.team_id, channel: command.channel_id };
      if (parsed.kind === 'list') message = renderModelList(await predictions.list(asker), PREDICT_COMMAND);
      else if (parsed.kind === 'describe')
        message = renderModelInfo(await predictions.describe(parsed.model, { asker }), PREDICT_COMMAND);
      else message = renderPrediction(await predictions.predict(parsed.model, parsed.rows, asker));
      if (parsed.share)
        message = {
          ...message,
          blocks: [
            ...message.blocks,
            { type: 'context', text: `asked by <@${command.user_id}> with \`${PREDICT_COMMAND.command}\`` },
          ],
        };
      await send(message, parsed.share);
    } catch (err) {
      const model = parsed.kind === 'list' ? null : parsed.model;
      const about = model === null ? '' : `\`${model}\`: `;
      if (err instanceof PredictionError) {
        const hint =
          err.code === 'model_not_found'
            ? ` \`${PREDICT_COMMAND.command}\` lists the models.`
            : (err.code === 'missing_column' || err.code === 'invalid_value') && model !== null
              ? ` \`${PREDICT_COMMAND.command} ${model}\` shows its inputs.`
              : '';
        await send(textMessage(`⚠️ ${about}${err.message}${hint}`));
        return;
      }
      this.opts.logger.error({ err: (err as Error).stack }, 'slack: /predict failed');
      await send(
        textMessage(`⚠️ ${about}something went wrong (${(err as Error).message}). ${PREDICT_USAGE}`),
      );
    }
  }
}
