import type { ModelCard } from '../../core/schemas/model-card.ts';
import { stripMarkup, type Block, type ChatMessage } from '../render/chat-message.ts';
import { fmtScore } from '../render/format.ts';
import { predictExample, type PredictCommand } from '../render/render-card.ts';
import type { ModelInfo, Prediction } from './prediction-client.ts';

const pct = (p: number) => `${(p * 100).toFixed(p >= 0.995 || p < 0.005 ? 1 : 0)} %`;
const fmtValue = (v: unknown) =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? String(v)
      : v.toPrecision(6).replace(/\.?0+$/, '')
    : String(v);

export function renderPrediction(p: Prediction): ChatMessage {
  const lines = p.predictions.map((pred, i) => {
    const probs = p.probabilities?.[i];
    const ranked = probs ? Object.entries(probs).sort((a, b) => b[1] - a[1]) : [];
    const prob =
      ranked.length > 0
        ? ` (${ranked
            .slice(0, 4)
            .map(([c, v]) => `${c} ${pct(v)}`)
            .join(' · ')})`
        : '';
    return `${p.predictions.length > 1 ? `row ${i + 1}: ` : ''}**${fmtValue(pred)}**${prob}`;
  });
  const blocks: Block[] = [{ type: 'text', text: `🔮 **${p.model}** v${p.version} → ${lines.join('\n')}` }];
  const notes: string[] = [];
  if (p.filled.length > 0)
    notes.push(
      `${p.filled.length} input${p.filled.length === 1 ? '' : 's'} not given were sent as missing (${p.filled.slice(0, 6).join(', ')}${p.filled.length > 6 ? ', …' : ''}); the model imputes them`,
    );
  notes.push(...p.warnings);
  if (notes.length > 0) blocks.push({ type: 'context', text: notes.join(' · ') });
  return { text: stripMarkup(`${p.model}: ${lines.join('; ')}`), blocks };
}

export function renderModelList(
  models: { name: string; version: number; card: ModelCard | null }[],
  syntax: PredictCommand,
): ChatMessage {
  const { command } = syntax;
  const describe = syntax.style === 'options' ? `${command} model:<model>` : `${command} <model>`;
  const predict =
    syntax.style === 'options'
      ? `${command} model:<model> input:column=value …`
      : `${command} <model> column=value …`;
  if (models.length === 0)
    return {
      text: 'No models yet.',
      blocks: [
        {
          type: 'text',
          text: 'No models are deployed yet. Mention me with a CSV file and a goal to make one.',
        },
      ],
    };
  const lines = models.map(({ name, version, card }) =>
    card
      ? `• **${name}** v${version} — ${card.target} (${card.task}), ${card.metric} ${fmtScore(card.holdout.score)} on held-out rows`
      : `• **${name}** v${version}`,
  );
  return {
    text: `Models: ${models.map((m) => m.name).join(', ')}`,
    blocks: [
      { type: 'text', text: `**Deployed models**\n${lines.join('\n')}` },
      { type: 'context', text: `\`${describe}\` shows its inputs · \`${predict}\` predicts` },
    ],
  };
}

export function renderModelInfo(m: ModelInfo, syntax: PredictCommand): ChatMessage {
  const shareHint =
    syntax.style === 'options'
      ? 'set `share: True` to show the answer to the channel'
      : 'add `--share` to show the answer to the channel';
  const inputs = m.inputs.map((i) => `\`${i.name}\``).join(', ');
  return {
    text: `${m.name}: predicts ${m.target} from ${m.inputs.length} inputs`,
    blocks: [
      {
        type: 'text',
        text: `**${m.name}** v${m.version} predicts **${m.target}** (${m.task}${m.classes ? `: ${m.classes.join(', ')}` : ''}), judged by ${m.metric}.\nInputs (${m.inputs.length}): ${inputs}`,
      },
      {
        type: 'code',
        text: predictExample(
          syntax,
          m.name,
          m.example,
          m.inputs.map((i) => i.name),
          6,
        ),
      },
      { type: 'context', text: `inputs you leave out are sent as missing · ${shareHint}` },
    ],
  };
}
