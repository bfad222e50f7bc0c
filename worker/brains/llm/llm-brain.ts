import { readUntrustedText, UNTRUSTED_CAPS } from '../../../core/untrusted-files.ts';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Config } from '../../../core/config.ts';
import { FileEventLog, type EventSink } from '../../../core/events/event-log.ts';
import type { RunPaths } from '../../../core/run-paths.ts';
import type { Diagnosis } from '../../../core/schemas/diagnosis.ts';
import type { JournalNode, Plan } from '../../../core/schemas/journal.ts';
import type { BrainUsage } from '../../../core/schemas/model-card.ts';
import { classifyCrash, type CrashEvidence } from '../../diagnosis/classify-crash.ts';
import type { Brain, BrainState, Decision, PlanInput } from '../brain.ts';
import { emptySpend, estimateTokens, UsageMeter, type LlmDecision } from './accounting.ts';
import { LlmClient, LlmError } from './client.ts';
import {
  diagnosePrompt,
  makeRedactor,
  nextPrompt,
  planPrompt,
  scriptPrompt,
  type Prompt,
} from './prompts.ts';
import { recipeOf } from './recipe-of.ts';
import { checkNext, checkScript, cleanScript, HEADER } from './reply-checks.ts';
import {
  DiagnoseReplySchema,
  FAMILY_NAME,
  NextReplySchema,
  PlanReplySchema,
  ScriptReplySchema,
} from './schemas.ts';

export interface LlmBrainOptions {
  config: Config;
  /** Where the brain reports its spend (`brain.usage`) and its doubts about the plan. */
  events: EventSink;
  /** The run's folders: parent scripts are read from it, its path is masked in prompts, and a resumed run's earlier spend is read back from its event log. */
  paths: RunPaths;
  /** Built from the config when absent. */
  client?: LlmClient;
}

/** Time the loop keeps back for validation (worker/loop/run-loop.ts), so scripts are told the real limit. */
const VALIDATION_RESERVE_S = 10;

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The LLM adapter of the brain port (docs/architecture.md, "The loop"): plans, picks the next experiment from a
 * compact journal, writes each train.py whole, and refines the fix of a classified crash.
 * Every reply is a zod-validated structured output; every decision's tokens and cost are
 * reported as a `brain.usage` event and capped per run. Provider failures surface as
 * `LlmError`s for the fallback brain to handle.
 */
export class LlmBrain implements Brain {
  readonly name = 'llm';
  private readonly client: LlmClient;
  private readonly meter: UsageMeter;
  private readonly redact: (text: string) => string;
  private profileColumns = new Set<string>();
  private restored: Promise<void> | null = null;

  constructor(private readonly opts: LlmBrainOptions) {
    this.client = opts.client ?? LlmClient.fromConfig(opts.config);
    this.meter = new UsageMeter({
      model: this.client.model,
      prices: opts.config.OURO_LLM_PRICES,
      maxTokens: opts.config.OURO_LLM_MAX_TOKENS_PER_RUN,
      maxUsd: opts.config.OURO_LLM_MAX_USD_PER_RUN,
    });
    this.redact = makeRedactor(opts.config, opts.paths.root);
  }

  usage(): BrainUsage {
    return this.meter.snapshot();
  }

  /** Recorded on the card when the heuristic brain took over. */
  markFellBack(why: string): void {
    this.meter.markFellBack(why);
  }

  async plan(input: PlanInput): Promise<Plan> {
    await this.restoreSpend();
    const columns = new Set(input.profile.columns.map((c) => c.name));
    this.profileColumns = columns;
    const reply = await this.ask('plan', planPrompt(input), PlanReplySchema, (r) => {
      if (r.families.length === 0) return 'families is empty: list 3 to 6 families to draft';
      const badNames = r.families.filter((f) => !FAMILY_NAME.test(f.family)).map((f) => f.family);
      if (badNames.length > 0)
        return `family names must be snake_case (like lightgbm, random_forest): ${badNames.join(', ')}`;
      const unknown = r.dropColumns
        .filter((d) => !columns.has(d.column) || d.column === input.target)
        .map((d) => d.column);
      return unknown.length > 0
        ? `dropColumns must name profile columns other than the target; not valid: ${unknown.join(', ')}`
        : null;
    });
    if (!reply.confirmed && reply.concern !== null && reply.concern.trim() !== '') {
      await this.opts.events.emit({
        type: 'note',
        level: 'info',
        message: `The LLM questions the plan: ${clip(oneLine(reply.concern), 300)} (the holdout is already split this way, so the run keeps it).`,
      });
    }
    const seen = new Set<string>();
    const families = reply.families.filter((f) => !seen.has(f.family) && seen.add(f.family)).slice(0, 8);
    return {
      target: input.target,
      targetReason: input.targetReason,
      task: input.task,
      metric: input.metric,
      metricReason: input.metricReason,
      families: families.map((f) => ({ family: f.family, why: clip(oneLine(f.why), 300) })),
      dropColumns: reply.dropColumns.map((d) => ({ column: d.column, why: clip(oneLine(d.why), 300) })),
    };
  }

  async next(state: BrainState): Promise<Decision> {
    await this.restoreSpend();
    this.profileColumns = new Set(state.profile.columns.map((c) => c.name));
    const limitS = Math.max(
      6,
      Math.min(
        this.opts.config.OURO_EXPERIMENT_TIMEOUT_S,
        Math.floor((state.budgetMs - state.elapsedMs) / 1000) - VALIDATION_RESERVE_S,
      ),
    );
    try {
      const reply = await this.ask('next', nextPrompt(state, limitS), NextReplySchema, (r) =>
        checkNext(r, state),
      );
      if (reply.action === 'stop')
        return {
          kind: 'stop',
          why: clip(oneLine(reply.why), 300) || 'the LLM judged that more experiments would not pay off',
        };

      const byId = new Map(state.nodes.map((n) => [n.id, n]));
      const operator = reply.operator!;
      const memberNodes = operator === 'ensemble' ? reply.members.map((m) => byId.get(m)!) : [];
      const parentId =
        operator === 'ensemble'
          ? reply.parent !== null && reply.members.includes(reply.parent)
            ? reply.parent
            : reply.members[0]!
          : reply.parent;
      const parent = parentId === null ? null : byId.get(parentId)!;
      const family = operator === 'ensemble' ? 'ensemble' : reply.family!;
      const hypothesis = clip(oneLine(reply.hypothesis!), 400);

      const written = await this.ask(
        'script',
        scriptPrompt(state, {
          operator,
          family,
          hypothesis,
          parent,
          parentScript: parent !== null && operator !== 'draft' ? await this.readScript(parent) : null,
          members: await Promise.all(
            memberNodes.map(async (node) => ({ node, script: await this.readScript(node) })),
          ),
          timeLimitS: limitS,
        }),
        ScriptReplySchema,
        checkScript,
      );
      const body = cleanScript(written.script);
      const header = `# ouro experiment: ${operator} · ${family} · written by the LLM brain (${this.client.model})\n# Hypothesis: ${clip(hypothesis, 200)}\n`;
      return {
        kind: 'experiment',
        operator,
        parent: parentId,
        hypothesis,
        recipe: recipeOf(
          body,
          family,
          written.params,
          memberNodes.map((m) => m.id),
        ),
        script: header + body,
        ...(reply.strategy !== null
          ? {
              strategy: {
                from: clip(oneLine(reply.strategy.from), 120),
                to: clip(oneLine(reply.strategy.to), 120),
                why: clip(oneLine(reply.strategy.why), 300),
              },
            }
          : {}),
      };
    } catch (err) {
      // A cap ends the run with its best model; with none yet, the fallback brain carries on for free.
      if (err instanceof LlmError && err.code === 'cap' && state.bestNodeId !== null) {
        this.meter.markCapped(err.message);
        return { kind: 'stop', why: `${err.message}; stopping with the best model so far` };
      }
      throw err;
    }
  }

  async diagnose(evidence: CrashEvidence, node: JournalNode): Promise<Diagnosis> {
    await this.restoreSpend();
    const found = classifyCrash(evidence);
    let reply: z.infer<typeof DiagnoseReplySchema>;
    try {
      reply = await this.ask(
        'diagnose',
        diagnosePrompt(node, found, evidence, await this.readScript(node), this.redact),
        DiagnoseReplySchema,
      );
    } catch (err) {
      if (err instanceof LlmError && err.code === 'cap') return found;
      throw err;
    }
    // The class stays the classifier's, unless it could not name one.
    const cls = found.class === 'unknown' && reply.crashClass !== null ? reply.crashClass : found.class;
    const column =
      found.column ??
      (reply.column !== null && this.profileColumns.has(reply.column) ? reply.column : undefined);
    const fix = clip(oneLine(reply.fix), 400);
    return {
      class: cls,
      evidence: found.evidence,
      fix: fix.length > 0 ? fix : found.fix,
      ...(column !== undefined ? { column } : {}),
    };
  }

  /** One decision: a cap check, the call (with its repair), and a `brain.usage` event. */
  private async ask<T>(
    decision: LlmDecision,
    prompt: Prompt,
    schema: z.ZodType<T>,
    check?: (value: T) => string | null,
  ): Promise<T> {
    await this.restoreSpend();
    const cap = this.meter.capBefore(estimateTokens(prompt.system + prompt.user));
    if (cap !== null) throw new LlmError('cap', cap);
    const spent = emptySpend();
    try {
      // Program output is redacted where it is read; the whole prompt once more, so nothing slips through.
      return await this.client.complete({
        decision,
        system: prompt.system,
        user: this.redact(prompt.user),
        schema,
        spent,
        ...(check ? { check } : {}),
      });
    } finally {
      if (spent.calls > 0) {
        const costUsd = this.meter.add(decision, spent);
        await this.opts.events.emit({
          type: 'brain.usage',
          decision,
          model: this.client.model,
          calls: spent.calls,
          promptTokens: spent.promptTokens,
          completionTokens: spent.completionTokens,
          costUsd,
          totalTokens: this.meter.totalTokens,
          totalCostUsd: this.meter.totalCostUsd,
        });
      }
    }
  }

  /** A resumed run keeps counting from what it spent before (the caps are per run, not per process). */
  private restoreSpend(): Promise<void> {
    return (this.restored ??= FileEventLog.replay(this.opts.paths.events).then((events) => {
      for (const e of events)
        if (e.type === 'brain.usage')
          this.meter.add(e.decision, {
            calls: e.calls,
            promptTokens: e.promptTokens,
            completionTokens: e.completionTokens,
          });
    }));
  }

  private async readScript(node: JournalNode): Promise<string | null> {
    // The experiment folder was the sandbox's: train.py may now be a link to /proc/self/environ.
    const dir = join(this.opts.paths.root, node.dir);
    const text = await readUntrustedText(join(dir, 'train.py'), {
      root: dir,
      maxBytes: UNTRUSTED_CAPS.text,
    }).catch(() => null);
    return text === null ? null : this.redact(text.replace(HEADER, ''));
  }
}
