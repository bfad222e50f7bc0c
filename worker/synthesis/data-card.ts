import { join } from 'node:path';
import type { DataCard, GeneratorTrial } from '../../core/schemas/data-card.ts';
import { writeHostFile } from '../../core/untrusted-files.ts';
import { dataCardMarkdown } from '../../core/data-card-text.ts';
import type { Judgement } from './judge.ts';
import type { SynthPurpose } from './purpose.ts';
import type { SynthMeta } from './synth-steps.ts';

/**
 * What the checks cannot show, said on every card (docs/architecture.md, "Synthetic data"):
 * no method here is differentially private, and distance checks are evidence, not a guarantee.
 */
export function caveats(purpose: SynthPurpose, j: Judgement, selectedOnHoldout: boolean): string[] {
  const out = [
    'No privacy guarantee: this is not differential privacy and not anonymisation in the legal sense. The checks above measure closeness to real rows; they cannot rule out that a rare combination of values points to a real person.',
    `Exact copies of real training rows are dropped (${j.copiesDropped ?? 0} here), so none is left.`,
  ];
  if ((j.rareCategoriesReproduced ?? 0) > 0 || (j.outlierValuesReproduced ?? 0) > 0)
    out.push(
      'Some rare categories or outlier values of the real table reappear; check them before sharing if they could identify someone.',
    );
  if (j.dcrRatio !== null && j.dcrRatio !== undefined && j.dcrRatio < 0.9)
    out.push(
      `Synthetic rows sit closer to real rows than unseen real rows do (DCR ratio ${j.dcrRatio.toFixed(2)}): the generator may have memorised part of the table.`,
    );
  if (selectedOnHoldout)
    out.push(
      'The generator was chosen by its holdout score among those tried, so the chosen score is slightly optimistic.',
    );
  if (purpose === 'augment')
    out.push(
      'The new rows are meant to be added to your real table, not used on their own; they were generated from the training part only.',
    );
  else
    out.push(
      'The rows were learned from the training part of your table (the holdout was kept back to check them), so they are a stand-in for it, not a copy.',
    );
  return out;
}

export interface CardInput {
  runId: string;
  purpose: SynthPurpose;
  purposeWhy: string;
  file: string;
  sourceRows: number;
  meta: SynthMeta;
  chosen: { id: string; family: string; label: string; params: Record<string, number | string> };
  judgement: Judgement;
  metric: string;
  real: number;
  synthetic: number;
  higherIsBetter: boolean;
  rows: number;
  columns: string[];
  augmentedClass: string | null;
  tried: GeneratorTrial[];
  files: DataCard['files'];
  durationMs: number;
}

export function buildDataCard(c: CardInput): DataCard {
  const j = c.judgement;
  const withheld = c.meta.columns
    .filter((col) => col.kind === 'text')
    .map((col) => ({
      column: col.name,
      why: 'free text is left out: it cannot be synthesised without risking copying real text',
    }));
  const keys = c.meta.columns
    .filter((col) => col.kind === 'key')
    .map((col) => ({
      column: col.name,
      why: 'an identifier: replaced by fresh unique values, none of them real',
    }));
  return {
    runId: c.runId,
    createdAt: new Date().toISOString(),
    purpose: c.purpose,
    purposeWhy: c.purposeWhy,
    source: {
      file: c.file,
      rows: c.sourceRows,
      trainRows: c.meta.trainRows,
      holdoutRows: c.meta.holdoutRows,
    },
    target: c.meta.target,
    task: c.meta.task,
    generator: c.chosen,
    rows: c.rows,
    columns: c.columns,
    augmentedClass: c.augmentedClass,
    utility: {
      metric: c.metric,
      real: c.real,
      synthetic: c.synthetic,
      ratio:
        c.purpose === 'stand-in' && c.real > 0
          ? c.higherIsBetter
            ? c.synthetic / c.real
            : c.real / c.synthetic
          : null,
      gain: c.purpose === 'augment' ? (c.higherIsBetter ? c.synthetic - c.real : c.real - c.synthetic) : null,
    },
    fidelity: {
      meanColumnDistance: j.meanColumnDistance ?? 0,
      associationGap: j.associationGap ?? 0,
      discriminatorAuc: j.discriminatorAuc ?? null,
    },
    privacy: {
      copiesDropped: j.copiesDropped ?? 0,
      dcrSynthetic: j.dcrSynthetic ?? null,
      dcrHoldout: j.dcrHoldout ?? null,
      dcrRatio: j.dcrRatio ?? null,
      closerThanHoldout5pct: j.closerThanHoldout5pct ?? null,
      rareCategories: j.rareCategories ?? 0,
      rareCategoriesReproduced: j.rareCategoriesReproduced ?? 0,
      outlierValues: j.outlierValues ?? 0,
      outlierValuesReproduced: j.outlierValuesReproduced ?? 0,
    },
    tried: c.tried,
    withheld: [...withheld, ...keys],
    caveats: caveats(c.purpose, j, c.tried.filter((t) => t.status === 'succeeded').length > 1),
    files: c.files,
    durationMs: c.durationMs,
  };
}

/** data-card.json and data-card.md beside the dataset, and the winning script. */
export async function writeCardFiles(dir: string, card: DataCard, script: string): Promise<void> {
  await writeHostFile(join(dir, 'data-card.json'), `${JSON.stringify(card, null, 2)}\n`, { root: dir });
  await writeHostFile(join(dir, card.files.card), dataCardMarkdown(card), { root: dir });
  await writeHostFile(join(dir, card.files.script), script, { root: dir });
}
