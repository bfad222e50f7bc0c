import { renderDataCardLines } from '../render/render-data-card.ts';
import type { RunEvent } from '../../core/schemas/events.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import { taskTraits } from '../../core/schemas/task.ts';

/**
 * Renders run events as a chat-like transcript for the terminal. Pure: the same events give
 * the same lines, so a replayed run reads exactly like the live one.
 */

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const ANSI: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};
const id = (s: string) => s;
export const PLAIN: Style = { bold: id, dim: id, green: id, red: id, yellow: id, cyan: id };

const fmt = (n: number) => (Number.isFinite(n) ? (Math.abs(n) >= 1000 ? n.toFixed(1) : n.toFixed(4)) : 'n/a');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tokens = (n: number) => n.toLocaleString('en-US');
const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;

export function renderEvent(e: RunEvent, s: Style = PLAIN): string[] {
  switch (e.type) {
    case 'accepted':
      return [
        s.bold(`ouro › ${e.goal}`),
        s.dim(`  file ${e.file} · budget ${e.budgetSeconds} s · run ${e.runId}`),
      ];
    case 'profiled':
      return [
        `${s.cyan('profile')}  ${e.rows} rows × ${e.columns} columns`,
        ...e.findings.map((f) => s.dim(`  · ${f}`)),
      ];
    case 'planned': {
      const p = e.plan;
      return [
        `${s.cyan('plan')}     ${taskTraits(p.task).route} ${s.bold(p.target)} (${p.task}), judged by ${s.bold(p.metric)}`,
        s.dim(`  why: ${e.why}`),
        ...p.dropColumns.map((d) => s.dim(`  · leaving out "${d.column}": ${d.why}`)),
        `  families to try: ${p.families.map((f) => f.family).join(' → ')}`,
      ];
    }
    case 'experiment.started':
      return [`${s.cyan(e.node.padEnd(4))}     ${e.operator} · ${e.hypothesis}`];
    case 'experiment.finished':
      return [
        `  ${s.green('✓')} ${e.family}: cv ${e.metric} ${fmt(e.cvMean)} ± ${fmt(e.cvStd)} ${s.dim(`(${secs(e.durationMs)})`)}`,
      ];
    case 'experiment.failed':
      return [
        `  ${s.red('✗')} ${e.family} failed — diagnosis: ${s.bold(e.diagnosis.class)} ${s.dim(`(${secs(e.durationMs)})`)}`,
        s.dim(`    evidence: ${e.diagnosis.evidence}`),
        s.dim(`    fix: ${e.diagnosis.fix}`),
      ];
    case 'strategy.changed':
      return [`${s.yellow('strategy')} ${e.from} → ${s.bold(e.to)}`, s.dim(`  why: ${e.why}`)];
    case 'best.improved':
      return [
        `  ${s.yellow('★')} new best: ${e.family} ${e.metric} ${fmt(e.score)}${e.previous === null ? '' : s.dim(` (was ${fmt(e.previous)})`)}`,
      ];
    case 'validated':
      return [
        `${s.cyan('holdout')}  ${e.metric} ${s.bold(fmt(e.holdout))} vs baseline ${fmt(e.baseline)} (cv ${fmt(e.cv)})`,
      ];
    case 'deployed':
      return [
        `${s.cyan('deployed')} ${e.name} v${e.version} at ${s.bold(e.url)}`,
        ...(e.key ? [`  key: ${e.key}`] : []),
      ];
    case 'challenged': {
      const champion =
        e.champion.score === null
          ? `could not score the new data (${e.champion.why ?? 'no reason given'})`
          : `${e.metric} ${fmt(e.champion.score)}`;
      return [
        `${s.cyan('challenge')} on the new holdout: challenger ${e.metric} ${s.bold(fmt(e.challenger.score))} · champion ${e.name} v${e.champion.version} ${champion}`,
        e.promoted
          ? s.green(
              `  the challenger is promoted; v${e.champion.version} is kept (ouro models rollback ${e.name})`,
            )
          : s.yellow(`  the champion stays; the challenger is kept as a version, not served`),
      ];
    }
    case 'finished':
      return renderCard(e.card, s);
    case 'failed':
      return [`${s.red('failed')}   ${e.message}`];
    case 'cancelled':
      return [`${s.yellow('cancelled')} ${e.reason}`];
    case 'question':
      return [
        `${s.yellow('question')} ${e.message}`,
        ...e.candidates.map((c, i) => `  ${i + 1}. ${s.bold(c.column)}${s.dim(` — ${c.reason}`)}`),
      ];
    case 'note':
      return [e.level === 'warn' ? s.yellow(`note     ${e.message}`) : s.dim(`note     ${e.message}`)];
    case 'report.published':
      return [
        s.bold('answer'),
        ...e.answer.split(/(?<=\.)\s+(?=[A-Z])/).map((line) => `  ${line}`),
        ...(e.highlights.length > 0
          ? [s.cyan('findings'), ...e.highlights.map((h) => `  · ${h.text} ${s.dim(`[${h.finding}]`)}`)]
          : []),
        `${s.cyan('report')}   ${s.bold(e.url ?? `${e.path}/report.html`)}${e.pdf ? s.dim(' (PDF beside it)') : ''}`,
        s.dim(`  findings: ${e.findings}`),
      ];
    case 'dataset.published':
      return [
        `${s.cyan('dataset')}  ${s.bold(e.path)}${e.url !== null ? ` · ${e.url}` : ''}`,
        ...renderDataCardLines(e.card),
      ];
    case 'brain.usage':
      return [
        s.dim(
          `llm      ${e.decision} · ${tokens(e.promptTokens)} in / ${tokens(e.completionTokens)} out${e.calls > 1 ? ` · ${e.calls} calls` : ''} · ${usd(e.costUsd)} (run ${tokens(e.totalTokens)} tokens · ${usd(e.totalCostUsd)})`,
        ),
      ];
  }
}

export function renderCard(card: ModelCard, s: Style = PLAIN): string[] {
  const line = '─'.repeat(60);
  const rows: [string, string][] = [
    ['model', `${card.name} v${card.version} (${card.family})`],
    ['target', `${card.target} · ${card.task}`],
    ...(card.forecast
      ? [
          [
            'series',
            `${card.forecast.series} ${card.forecast.frequencyLabel} series by "${card.forecast.dateColumn}"${card.forecast.idColumn ? ` per "${card.forecast.idColumn}"` : ''} · horizon ${card.forecast.horizon} · season ${card.forecast.seasonLength}`,
          ] as [string, string],
        ]
      : []),
    ...(card.forecast?.chart
      ? [
          ['chart', `${card.forecast.chart} (forecast against the holdout, beside card.json)`] as [
            string,
            string,
          ],
        ]
      : []),
    [
      card.metric,
      `holdout ${fmt(card.holdout.score)} · baseline ${fmt(card.holdout.baseline)} · cv ${fmt(card.cv.mean)} ± ${fmt(card.cv.std)}`,
    ],
    [
      'data',
      `${card.data.rows} rows (${card.data.trainRows} train / ${card.data.holdoutRows} holdout, seed ${card.data.seed})`,
    ],
    [
      'experiments',
      `${card.experiments.tried} tried · ${card.experiments.succeeded} ok · ${card.experiments.failed} failed · ${secs(card.durationMs)}`,
    ],
    ['script', card.script],
    ...(card.usage
      ? [
          [
            'llm',
            `${card.usage.model} · ${tokens(card.usage.totalTokens)} tokens in ${card.usage.calls} calls · ${card.usage.priced ? usd(card.usage.costUsd) : 'cost unknown (no price)'}`,
          ] as [string, string],
        ]
      : []),
  ];
  const others = Object.entries(card.holdout.all)
    .filter(([k]) => k !== card.metric)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(' · ');
  return [
    s.dim(line),
    s.bold('  metrics card'),
    ...rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`),
    ...(others ? [`  ${'also'.padEnd(12)} ${others}`] : []),
    s.dim(line),
  ];
}
