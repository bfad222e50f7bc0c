import type { Diagnosis } from '../../core/schemas/diagnosis.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';
import type { Analyst, AnalystContext, Narrative } from './analyst.ts';
import type { Ledger } from './findings-ledger.ts';
import { fmt, listWords } from './format-number.ts';
import type { AnalysisStep } from './write-analysis-script.ts';

const ROWS = 100_000;

/**
 * The offline analyst: a fixed, sound plan per kind of question (docs/architecture.md,
 * "Analysis reports") — overview and data quality first; for a target, the association of
 * every column, a quick model's permutation importance on held-out rows with partial
 * dependence and two-way segments, the trend when there is a date; groups compared with the
 * test that fits.
 */
export class HeuristicAnalyst implements Analyst {
  readonly kind = 'heuristic' as const;

  async plan(ctx: AnalystContext): Promise<AnalysisStep[]> {
    const { intent } = ctx;
    const { target, group, date } = intent;
    const steps: Omit<AnalysisStep, 'id' | 'maxRows' | 'exclude'>[] = [];
    const overview = {
      kind: 'overview' as const,
      title: 'Overview and data quality',
      why: 'what the table holds and what is wrong with it, before any claim about it',
      target,
    };
    switch (intent.kind) {
      case 'drivers':
        steps.push(overview);
        steps.push({
          kind: 'associations',
          title: `How each column moves with ${target}`,
          why: 'every column compared with the target alone: effect sizes with bootstrap intervals, Benjamini-Hochberg over all columns',
          target,
        });
        steps.push({
          kind: 'drivers',
          title: `What drives ${target}, all columns together`,
          why: "a quick model's permutation importance on rows it did not train on separates drivers from columns that only move with them; partial dependence shows how; segments show where",
          target,
        });
        if (date !== null)
          steps.push({
            kind: 'trend',
            title: `${target} over time`,
            why: `the file has dates ("${date}")`,
            target,
            date,
          });
        break;
      case 'compare':
        steps.push(overview);
        steps.push({
          kind: 'compare',
          title: `${target} by ${group}`,
          why: `the question compares the groups of "${group}"`,
          target,
          group,
        });
        if (date !== null)
          steps.push({
            kind: 'trend',
            title: `${target} by ${group} over time`,
            why: `the file has dates ("${date}"): whether the groups' difference holds over time`,
            target,
            group,
            date,
          });
        break;
      case 'trend':
        steps.push(overview);
        steps.push({
          kind: 'trend',
          title: `${target} over time${group !== null ? ` by ${group}` : ''}`,
          why: 'the question asks how it changed',
          target,
          group,
          date,
        });
        if (group !== null)
          steps.push({
            kind: 'compare',
            title: `${target} by ${group}`,
            why: 'the groups side by side over the whole period',
            target,
            group,
          });
        break;
      case 'quality':
        steps.push({
          kind: 'quality',
          title: 'Data quality',
          why: 'the question asks what is wrong with the data',
        });
        steps.push({
          kind: 'distributions',
          title: 'Distributions',
          why: 'how each column is spread, where odd values would show',
        });
        break;
      case 'distribution':
      case 'free':
        steps.push(overview);
        steps.push({ kind: 'distributions', title: 'Distributions', why: 'how each column is spread' });
        if (target !== null)
          steps.push({
            kind: 'associations',
            title: `How each column moves with ${target}`,
            why: 'the question names a column',
            target,
          });
        break;
    }
    return steps.map((s, i) => ({ ...s, id: `a${i + 1}`, maxRows: ROWS, exclude: [] }));
  }

  async revise(
    _ctx: AnalystContext,
    step: AnalysisStep,
    _evidence: CrashEvidence,
    diagnosis: Diagnosis,
    attempt: number,
  ): Promise<AnalysisStep | null> {
    if (attempt > 2) return null;
    switch (diagnosis.class) {
      case 'memory':
      case 'timeout':
        return { ...step, maxRows: Math.max(2_000, Math.floor(step.maxRows / 4)) };
      case 'schema':
      case 'dtype':
      case 'missing':
        // The column the traceback names is left out; without one there is nothing targeted to do.
        if (
          diagnosis.column !== undefined &&
          diagnosis.column !== step.target &&
          !step.exclude.includes(diagnosis.column)
        )
          return { ...step, exclude: [...step.exclude, diagnosis.column] };
        return null;
      default:
        return null;
    }
  }

  async narrative(ctx: AnalystContext, ledger: Ledger): Promise<Narrative> {
    const { intent } = ctx;
    const claims = ledger.claims;
    const link = (id: string) => ` [${id}]`;
    const out: string[] = [];
    if (intent.kind === 'drivers' && intent.target !== null) {
      const ranked = ledger
        .drivers()
        .filter((d) => d.lo !== null && d.lo > 0)
        .slice(0, 3);
      const driverClaims = claims.filter((c) => c.kind === 'driver');
      if (ranked.length > 0) {
        const first = driverClaims.find((c) => c.subject === ranked[0]!.column);
        out.push(
          `The strongest driver${ranked.length > 1 ? 's' : ''} of ${intent.target} ${ranked.length > 1 ? 'are' : 'is'} ${listWords(ranked.map((d) => d.column))}, in that order.${first ? link(first.id) : ''}`,
        );
        for (const d of ranked) {
          const c = driverClaims.find((x) => x.subject === d.column);
          if (c) out.push(c.text + link(c.id));
          const pd = claims.find((x) => x.kind === 'partial_dependence' && x.subject === d.column);
          if (pd) out.push(pd.text + link(pd.id));
        }
      } else {
        out.push(
          `No column stands out as a driver of ${intent.target}: shuffling any one of them does not clearly hurt the model on rows it did not train on.`,
        );
      }
      const model = claims.find((c) => c.kind === 'model');
      if (model) out.push(model.text + link(model.id));
      const segment = claims.find((c) => c.kind === 'segment');
      if (segment)
        out.push(`The most distinct group: ${segment.text.replace(/^Segment /, '')}${link(segment.id)}`);
    } else if (intent.kind === 'compare') {
      const cmp = claims.find((c) => c.kind === 'comparison');
      if (cmp) out.push(cmp.text + link(cmp.id));
      for (const c of claims.filter((x) => x.kind === 'group').slice(0, 6)) out.push(c.text + link(c.id));
    } else if (intent.kind === 'trend') {
      for (const c of claims.filter((x) => x.kind === 'trend').slice(0, 6)) out.push(c.text + link(c.id));
      if (out.length === 0) out.push('There are too few periods with enough rows to measure a trend.');
    } else if (intent.kind === 'quality') {
      const q = claims.filter((c) => c.kind === 'quality');
      out.push(
        q.length === 0
          ? 'No data-quality problem stands out: no column is often empty, no column has implausible zeros or extreme values, and no row is a copy of another.'
          : `${q.length} data-quality issue${q.length > 1 ? 's' : ''} stand out.`,
      );
      for (const c of q.slice(0, 8)) out.push(c.text + link(c.id));
    } else {
      for (const c of claims.filter((x) => x.kind === 'summary' || x.kind === 'distribution').slice(0, 6))
        out.push(c.text + link(c.id));
      const top = claims.find((c) => c.kind === 'association');
      if (top) out.push(top.text + link(top.id));
    }
    const rows = claims.find((c) => c.kind === 'summary' && c.values.rows !== undefined);
    const discussion = rows
      ? `All numbers come from the ${fmt(rows.values.rows!)} rows of the table${ledger.entries.some((e) => e.findings.rows?.sampled) ? ' (a seeded sample where the table is large, said below)' : ''}; each links to the finding and the script that computed it.`
      : '';
    return { answer: out.join(' '), discussion };
  }
}
