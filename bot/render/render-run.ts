import { familyName } from '../../core/catalog/family-lookup.ts';
import type { RunEvent } from '../../core/schemas/events.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import { renderReportReply } from './render-report-reply.ts';
import { higherIsBetter, taskTraits, type Metric } from '../../core/schemas/task.ts';
import { stripMarkup, type Block, type ChatMessage } from './chat-message.ts';
import type { RunView } from './run-view.ts';

/**
 * Run events as platform-neutral chat messages: one live status message per run, a thread
 * reply for each thing worth knowing (the plan, a diagnosis, a strategy change, a new best),
 * and a metrics card at the end. Pure functions of the events (and of `now` for the clock).
 */

export { familyName };

export const fmtScore = (n: number) =>
  Number.isFinite(n) ? (Math.abs(n) >= 1000 ? n.toFixed(1) : n.toFixed(4)) : 'n/a';

/** 95 → "1:35"; 3700 → "1:01:40". */
export function fmtClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function progressBar(ratio: number, width = 16): string {
  const r = Math.min(1, Math.max(0, ratio));
  const full = Math.round(r * width);
  return '▓'.repeat(full) + '░'.repeat(width - full);
}

function elapsedSeconds(v: RunView, now: number): number {
  if (v.startedAt === null) return 0;
  return ((v.endedAt ?? now) - v.startedAt) / 1000;
}

/** How far along a run is: the larger of the time and the experiments used, below 100 % until it ends. */
export function progressRatio(v: RunView, now: number): number {
  if (v.state === 'finished' || v.state === 'failed' || v.state === 'asking') return 1;
  if (v.state === 'validating') return 0.97;
  const time = elapsedSeconds(v, now) / v.budgetSeconds;
  const experiments = (v.experiments.finished + v.experiments.failed) / v.maxExperiments;
  return Math.min(0.95, Math.max(time, experiments));
}

export const STEERING_HELP =
  'reply `stop`, `status`, `use <metric>`, `exclude <column>`, `try <family>` or `more time` in this thread';

/** What the bot will do, said before the worker has even looked at the file. */
export function understoodGoal(
  v: Pick<RunView, 'goal' | 'file' | 'budgetSeconds' | 'maxExperiments'>,
): string {
  return `Goal as I understand it: **${v.goal}**, from \`${v.file}\`. I'll profile the file, keep 20 % of the rows aside for an honest final check, then write and run experiments for up to ${fmtClock(v.budgetSeconds)} (at most ${v.maxExperiments}), and post what I learn here.`;
}

function planLine(v: RunView): string {
  const p = v.plan!;
  const shape = v.rows !== null ? ` — ${v.rows.toLocaleString('en-US')} rows × ${v.columns} columns` : '';
  return `Predicting **${p.target}** (${taskTraits(p.task).words}), judged by **${p.metric}**${shape}.`;
}

function stateLines(v: RunView, now: number): string[] {
  const clock = `${fmtClock(elapsedSeconds(v, now))} of ${fmtClock(v.budgetSeconds)}`;
  const best =
    v.best === null
      ? null
      : `best so far: **${familyName(v.best.family)}** ${v.best.metric} ${fmtScore(v.best.score)}`;
  switch (v.state) {
    case 'queued':
      return ['⏳ Queued — waiting for a worker to pick the run up.'];
    case 'running': {
      const done = v.experiments.finished + v.experiments.failed;
      const doing =
        v.current !== null
          ? `experiment ${v.experiments.started} of up to ${v.maxExperiments}: ${familyName(v.current.family)} (${v.current.operator})`
          : v.stopReason !== null
            ? `wrapping up: ${v.stopReason}`
            : v.plan === null
              ? 'reading and profiling the file'
              : `${done} experiment${done === 1 ? '' : 's'} done, choosing the next`;
      return [
        `\`${progressBar(progressRatio(v, now))}\` ${Math.round(progressRatio(v, now) * 100)} % · ${doing}`,
        [best, clock].filter(Boolean).join(' · '),
      ];
    }
    case 'validating':
      return [
        `\`${progressBar(progressRatio(v, now))}\` validating the best model on the held-out rows`,
        [best, clock].filter(Boolean).join(' · '),
      ];
    case 'finished': {
      if (v.report)
        return [
          `✅ Report ready in ${fmtClock(elapsedSeconds(v, now))}. The answer is below${v.report.url ? `: [open the report](${v.report.url})` : ''}.`,
        ];
      if (v.dataset !== null)
        return [
          `✅ Done in ${fmtClock(elapsedSeconds(v, now))}. **${v.dataset.rows.toLocaleString('en-US')} synthetic rows** (${v.dataset.generator}) in \`${v.dataset.filename}\`; the file and its data card are below.`,
        ];
      const c = v.card!;
      const head = v.cancelled
        ? `⏹ Stopped on request after ${fmtClock(elapsedSeconds(v, now))}; the best model so far was validated and saved.`
        : `✅ Done in ${fmtClock(elapsedSeconds(v, now))}.`;
      return [
        `${head} **${familyName(c.family)}**: ${c.metric} ${fmtScore(c.holdout.score)} on the held-out rows (baseline ${fmtScore(c.holdout.baseline)}). The card is below.`,
      ];
    }
    case 'failed':
      return [
        `❌ The run failed after ${fmtClock(elapsedSeconds(v, now))}: ${v.failure?.message ?? 'unknown error'}`,
      ];
    case 'asking':
      return ['❓ Waiting for you: which column should I predict? The question is in the thread.'];
  }
}

/**
 * The live status message: the goal as understood, then progress; edited as events arrive.
 * `phase` replaces the queued line while the bot itself is still busy (fetching the file).
 */
export function renderStatus(v: RunView, now: number, phase?: string): ChatMessage {
  const first = v.plan === null ? understoodGoal(v) : planLine(v);
  const lines = phase !== undefined && v.state === 'queued' ? [phase] : stateLines(v, now);
  const live = v.state !== 'finished' && v.state !== 'failed' && v.state !== 'asking' && phase === undefined;
  const blocks: Block[] = [
    { type: 'header', text: `ouro · ${truncate(v.goal, 120)}` },
    { type: 'text', text: first },
    { type: 'text', text: lines.join('\n') },
    { type: 'context', text: `run \`${v.runId}\`${live ? ` · ${STEERING_HELP}` : ''}` },
  ];
  return { text: stripMarkup(`${first} ${lines[0]}`), blocks };
}

/** The status as a reply to `status` in the thread. */
export function renderStatusReply(v: RunView, now: number): ChatMessage {
  const lines = [v.plan === null ? understoodGoal(v) : planLine(v), ...stateLines(v, now)];
  if (v.experiments.started > 0)
    lines.push(`experiments: ${v.experiments.finished} finished · ${v.experiments.failed} failed`);
  return { text: stripMarkup(lines.join('\n')), blocks: [{ type: 'text', text: lines.join('\n') }] };
}

function improvement(metric: Metric, score: number, previous: number | null): string {
  if (previous === null) return '';
  const delta = score - previous;
  const better = higherIsBetter(metric) ? delta : -delta;
  return ` (was ${fmtScore(previous)}, ${better >= 0 ? 'better' : 'worse'} by ${fmtScore(Math.abs(delta))})`;
}

function reply(text: string, context?: string): ChatMessage {
  const blocks: Block[] = [{ type: 'text', text }];
  if (context !== undefined && context.length > 0) blocks.push({ type: 'context', text: context });
  return { text: stripMarkup(text), blocks };
}

/**
 * The thread reply for one event, given the view *after* it; null for events that only move
 * the status message (experiments starting and finishing, notes, token usage).
 */
export function renderThreadReply(e: RunEvent, v: RunView): ChatMessage | null {
  switch (e.type) {
    case 'planned': {
      const p = e.plan;
      const lines = [
        `🧭 **Plan** — ${taskTraits(p.task).route} **${p.target}** (${taskTraits(p.task).words}), judged by **${p.metric}**.`,
        `_Why:_ the target because ${p.targetReason}; ${p.metric} because ${p.metricReason}.`,
        `Families to try, in order: ${p.families.map((f) => familyName(f.family)).join(' → ')}.`,
        ...p.dropColumns.map((d) => `Leaving out \`${d.column}\`: ${d.why}.`),
      ];
      const profile =
        v.rows !== null
          ? `${v.rows.toLocaleString('en-US')} rows × ${v.columns} columns${v.findings.length > 0 ? ' · ' + v.findings.slice(0, 3).join(' · ') : ''}`
          : '';
      return reply(lines.join('\n'), truncate(profile, 600));
    }
    case 'experiment.failed': {
      const d = e.diagnosis;
      return reply(
        `🩺 **Diagnosis** — ${familyName(e.family)} (${e.node}) failed: **${d.class.replace(/_/g, ' ')}**.\nEvidence: \`${truncate(d.evidence.replace(/`/g, "'"), 300)}\`\nFix: ${d.fix}`,
      );
    }
    case 'strategy.changed':
      return reply(`🔀 **Strategy** — ${e.from} → **${e.to}**.\n_Why:_ ${e.why}.`.replace(/\.\.$/, '.'));
    case 'best.improved': {
      const why = v.hypotheses[e.node];
      return reply(
        `⭐ **New best** — ${familyName(e.family)}: ${e.metric} ${fmtScore(e.score)} in cross-validation${improvement(e.metric, e.score, e.previous)}.`,
        why === undefined ? undefined : `tried because: ${truncate(why, 300)}`,
      );
    }
    case 'cancelled':
      return reply(`⏹ Stopping on request — ${e.reason}.`);
    case 'failed':
      return reply(`❌ **The run failed** — ${e.message}`, `code: ${e.code}`);
    case 'challenged':
      return renderChallenge(e);
    case 'note':
      return e.level === 'warn' ? reply(`⚠️ ${e.message}`) : null;
    case 'question':
      return renderTargetQuestion(e.runId, e.message, e.candidates);
    case 'report.published':
      return renderReportReply(e);
    default:
      return null;
  }
}

/**
 * A follow-up's verdict: champion and challenger, both scored by the host on the new data's
 * held-out rows, and what happens to each version (the loser stays in the registry).
 */
export function renderChallenge(e: Extract<RunEvent, { type: 'challenged' }>): ChatMessage {
  const champion = `**${e.name}** v${e.champion.version}`;
  const championScore =
    e.champion.score === null
      ? `could not score the new data (${truncate(e.champion.why ?? 'no reason given', 200)})`
      : `${e.metric} **${fmtScore(e.champion.score)}**`;
  const scores = `On the new data's held-out rows: challenger ${e.metric} **${fmtScore(e.challenger.score)}**, champion ${champion} ${championScore}.`;
  if (e.promoted) {
    return reply(
      `🏆 **The challenger wins.** ${scores} It replaces ${champion} at the same URL; v${e.champion.version} is kept for a rollback.`,
      `\`ouro models rollback ${e.name} --to ${e.champion.version}\` serves v${e.champion.version} again`,
    );
  }
  return reply(
    `🛡️ **The champion stays.** ${scores} The challenger is not better, so ${champion} keeps serving; the challenger is kept as a version of **${e.name}**, not served.`,
    `\`ouro models list\` shows the versions; \`ouro models rollback ${e.name} --to <version>\` serves another`,
  );
}

/** The value a clicked choice sends back: the run that asked and the column chosen. */
export const TARGET_CHOICE_ID = 'ouro_target';

export function renderTargetQuestion(
  runId: string,
  message: string,
  candidates: { column: string; reason: string }[],
): ChatMessage {
  const lines = [
    `❓ **Which column should I predict?** ${message}`,
    ...candidates.map((c, i) => `${i + 1}. \`${c.column}\` — ${truncate(c.reason, 200)}`),
  ];
  const blocks: Block[] = [{ type: 'text', text: lines.join('\n') }];
  if (candidates.length > 0)
    blocks.push({
      type: 'choices',
      id: TARGET_CHOICE_ID,
      options: candidates.map((c) => ({
        label: c.column,
        value: JSON.stringify({ run: runId, column: c.column }),
      })),
    });
  blocks.push({
    type: 'context',
    text: "Click one, or reply in this thread with the column's name; I start the run as soon as you answer.",
  });
  return { text: stripMarkup(lines[0]!), blocks };
}

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

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
