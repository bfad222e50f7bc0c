import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { RunPaths } from '../../core/run-paths.ts';
import type { DataCard, GeneratorTrial } from '../../core/schemas/data-card.ts';
import type { Profile } from '../../core/schemas/profile.ts';
import { buildDataCard, writeCardFiles } from './data-card.ts';
import { generatorLabel } from './generators.ts';
import type { evaluatorMetric } from './judge.ts';
import type { SynthIntent } from './purpose.ts';
import { exportDataset, outputFormat, type StepDeps, type SynthMeta } from './synth-steps.ts';
import type { SynthDeps, SynthRequest } from './synthesize.ts';
import type { JudgedGenerator } from './try-generators.ts';

/**
 * Publishes the chosen generator's table (docs/architecture.md, "Synthetic data"): exported in
 * the upload's format by the trusted step, with its data card and script in the run's dataset/
 * folder, announced by the `dataset.published` event.
 */
export async function publishDataset(o: {
  paths: RunPaths;
  steps: StepDeps;
  deps: SynthDeps;
  req: SynthRequest;
  intent: SynthIntent;
  profile: Profile;
  meta: SynthMeta;
  metric: ReturnType<typeof evaluatorMetric>;
  condition: Record<string, string> | null;
  best: JudgedGenerator;
  /** The evaluator's score on the real rows alone. */
  real: number;
  tried: GeneratorTrial[];
  elapsedMs: () => number;
}): Promise<{ card: DataCard; dataset: string }> {
  const { paths, steps, deps, req, intent, profile, meta, metric, condition, best, tried, elapsedMs } = o;
  const emit = deps.events.emit.bind(deps.events);
  const format = outputFormat(profile);
  const stem =
    basename(req.dataset.filename, extname(req.dataset.filename)).replace(/[^A-Za-z0-9._-]+/g, '-') || 'data';
  const filename = `${stem}-synthetic${condition !== null ? `-${Object.values(condition)[0]!.replace(/[^A-Za-z0-9._-]+/g, '-')}` : ''}.${format}`;
  const exported = await exportDataset(paths, { clean: best.clean, format, filename }, steps);
  const dir = join(paths.root, 'dataset');
  await mkdir(dir, { recursive: true });
  const card = buildDataCard({
    runId: req.runId,
    purpose: intent.purpose,
    purposeWhy: intent.why,
    file: req.dataset.filename,
    sourceRows: profile.rows,
    meta,
    chosen: {
      id: best.spec.id,
      family: best.spec.family,
      label: generatorLabel(best.spec),
      params: best.spec.params,
    },
    judgement: best.judgement,
    metric,
    real: o.real,
    synthetic: best.value,
    higherIsBetter: true,
    rows: exported.rows,
    columns: exported.columns,
    augmentedClass: condition !== null ? Object.values(condition)[0]! : null,
    tried,
    files: {
      data: filename,
      chart: exported.chart !== null ? 'real-vs-synthetic.png' : null,
      script: 'generate.py',
      card: 'data-card.md',
    },
    durationMs: elapsedMs(),
  });
  await writeCardFiles(dir, card, best.script);
  await emit({
    type: 'dataset.published',
    path: exported.data,
    url: deps.linkFor?.(req.runId, filename) ?? null,
    filename,
    format,
    bytes: exported.bytes,
    card,
  });
  return { card, dataset: exported.data };
}
