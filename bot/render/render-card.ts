import { familyName } from '../../core/catalog/family-lookup.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import { taskTraits } from '../../core/schemas/task.ts';
import type { Block, ChatMessage } from './chat-message.ts';
import { fmtClock, fmtScore } from './format.ts';

/**
 * The card a finished model run ends with, and the prediction command it shows in the
 * platform's own syntax (also used by bot/predict/ and the key hint of the run's thread).
 */

export interface CardExtras {
  /** Where the model answers predictions (from the `deployed` event). */
  url: string | null;
  /** Whether the model's key was handed to the requester privately just now. */
  key: 'sent' | 'held' | 'existing' | 'unknown';
  /** Who asked (a platform mention, e.g. `<@U123>`), for the key hint. */
  requester?: string;
  /** A row the model accepts (from the prediction API), for the /predict example. */
  example?: Record<string, unknown> | null;
  /** The chat command that queries models, in the platform's syntax. */
  predictCommand?: PredictCommand;
}

/**
 * How a platform spells a prediction: Slack passes the command's text as typed
 * (`/predict pima a=1`); Discord's slash commands take named options
 * (`/predict model:pima input:a=1`).
 */
export interface PredictCommand {
  command: string;
  style: 'inline' | 'options';
}

export const INLINE_PREDICT: PredictCommand = { command: '/predict', style: 'inline' };

/** How the owner of a model collects a key whose direct message failed. */
export function keyCommand(syntax: PredictCommand, name: string): string {
  return syntax.style === 'inline'
    ? `${syntax.command} key ${name}`
    : `${syntax.command} model:${name} input:key`;
}

/** `/predict name a=1 b="x y"` (or its options form) with the first few example values. */
export function predictExample(
  syntax: PredictCommand,
  name: string,
  example: Record<string, unknown> | null | undefined,
  inputs: string[],
  max = 4,
): string {
  const quote = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
  };
  const names = example ? Object.keys(example) : inputs;
  const pairs = names.slice(0, max).map((n) => `${n}=${example ? quote(example[n]) : '…'}`);
  const rest = `${pairs.join(' ')}${names.length > max ? ' …' : ''}`;
  return syntax.style === 'options'
    ? `${syntax.command} model:${name} input:${rest}`
    : `${syntax.command} ${name} ${rest}`;
}

/** The final card: the model, its scores against the baseline and cross-validation, and how to use it. */
export function renderMetricsCard(card: ModelCard, x: CardExtras): ChatMessage {
  const others = Object.entries(card.holdout.all)
    .filter(([k]) => k !== card.metric)
    .map(([k, val]) => `${k} ${fmtScore(val)}`)
    .join(' · ');
  const gap = Math.abs(card.holdout.score - card.cv.mean);
  const keyHint =
    x.key === 'sent'
      ? `the key was sent privately to ${x.requester ?? 'the requester'}`
      : x.key === 'held'
        ? `${x.requester ?? 'the requester'}: I could not send you the key by direct message; \`${keyCommand(x.predictCommand ?? INLINE_PREDICT, card.name)}\` hands it to you privately (within the hour, once)`
        : x.key === 'existing'
          ? `use the key this model already has (\`ouro models key rotate ${card.name}\` makes a new one)`
          : `\`ouro models key rotate ${card.name}\` makes a key`;
  const command = x.predictCommand ?? INLINE_PREDICT;
  const page = x.url?.replace(/\/v1\/models\/([^/]+)\/predict$/, '/models/$1') ?? null;
  const blocks: Block[] = [
    { type: 'header', text: `📊 ${card.name} v${card.version} — ${familyName(card.family)}` },
    {
      type: 'fields',
      fields: [
        [`${card.metric} (held-out rows)`, `**${fmtScore(card.holdout.score)}**`],
        ['baseline', fmtScore(card.holdout.baseline)],
        ['cross-validation', `${fmtScore(card.cv.mean)} ± ${fmtScore(card.cv.std)}`],
        ['target', `${card.target} · ${card.task}`],
        ...(card.forecast
          ? [
              [
                'series',
                `${card.forecast.series} ${card.forecast.frequencyLabel} · ${card.forecast.horizon} steps ahead`,
              ] as [string, string],
            ]
          : []),
        [
          'data',
          `${card.data.rows.toLocaleString('en-US')} rows (${card.data.trainRows} train / ${card.data.holdoutRows} held out)`,
        ],
        [
          'experiments',
          `${card.experiments.tried} tried · ${card.experiments.failed} failed · ${fmtClock(card.durationMs / 1000)}`,
        ],
      ],
    },
  ];
  if (others)
    blocks.push({
      type: 'context',
      text: `also on the held-out rows: ${others}${gap > 0.05 && card.metric !== 'rmse' && card.metric !== 'mae' ? ` · note the gap of ${fmtScore(gap)} between cross-validation and the held-out rows` : ''}`,
    });
  if (x.url !== null) {
    blocks.push({
      type: 'text',
      text: `**Model URL:** ${x.url}\n**Key:** ${keyHint}.${page ? ` The [model page](${page}) has a form and a curl.` : ''}`,
    });
    if (card.forecast) {
      // A forecaster's card carries its series axis: the example asks its own route for the next values.
      const forecastUrl = x.url.replace(/\/predict$/, `/${taskTraits(card.task).route}`);
      blocks.push({
        type: 'code',
        text: `curl -X POST ${forecastUrl} -H "Authorization: Bearer $KEY" -d '{${card.forecast?.idColumn ? '"series": "<id>", ' : ''}"horizon": ${card.forecast?.horizon ?? 12}}'`,
      });
    } else {
      blocks.push({
        type: 'code',
        text: predictExample(
          command,
          card.name,
          x.example,
          card.inputs.map((i) => i.name),
        ),
      });
      blocks.push({
        type: 'context',
        text: `columns you leave out are sent as missing · add \`--share\` to show the answer to the channel`,
      });
    }
  } else {
    blocks.push({
      type: 'text',
      text: `The model is saved as ${card.name} v${card.version} but is not deployed; start \`ouro serve\` to query it.`,
    });
  }
  const text = `${card.name} v${card.version}: ${card.metric} ${fmtScore(card.holdout.score)} on held-out rows (baseline ${fmtScore(card.holdout.baseline)}, cv ${fmtScore(card.cv.mean)})${x.url ? ` — ${x.url}` : ''}`;
  return { text, blocks };
}
