import type { LlmPrices } from '../../../core/config.ts';
import type { BrainUsage } from '../../../core/schemas/model-card.ts';

/** The decisions the LLM brain asks for; each is one structured-output request (plus a repair). */
export type LlmDecision = 'plan' | 'next' | 'script' | 'diagnose';

/** What the client may be asked for: the brain's decisions and the analyst's (worker/analysis). */
export type ClientDecision = LlmDecision | 'analysis' | 'narrative';

/** What one decision spent, over all of its calls. */
export interface Spend {
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

export const emptySpend = (): Spend => ({ calls: 0, promptTokens: 0, completionTokens: 0 });

/**
 * A rough token count (4 characters a token) for text not yet sent: used to keep a call that
 * would cross a cap from starting, and when a server does not report usage.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A model's price: its exact name first, then the longest priced prefix (dated snapshots). */
export function priceOf(model: string, prices: LlmPrices): { input: number; output: number } | null {
  const exact = prices[model];
  if (exact !== undefined) return exact;
  const prefix = Object.keys(prices)
    .filter((name) => model.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? null : prices[prefix]!;
}

export interface MeterOptions {
  model: string;
  prices: LlmPrices;
  maxTokens: number;
  maxUsd: number;
}

/** Tokens and cost of one run, per decision type, against the run's caps. */
export class UsageMeter {
  private readonly price: { input: number; output: number } | null;
  private readonly byDecision: BrainUsage['byDecision'] = {};
  private readonly total = { ...emptySpend(), costUsd: 0 };
  private capped: string | null = null;
  private fellBack: string | null = null;

  constructor(private readonly opts: MeterOptions) {
    this.price = priceOf(opts.model, opts.prices);
  }

  get priced(): boolean {
    return this.price !== null;
  }

  costOf(promptTokens: number, completionTokens: number): number {
    if (this.price === null) return 0;
    return (promptTokens * this.price.input + completionTokens * this.price.output) / 1_000_000;
  }

  /** Adds one decision's spend; returns its cost. */
  add(decision: LlmDecision, spend: Spend): number {
    const cost = this.costOf(spend.promptTokens, spend.completionTokens);
    const d = (this.byDecision[decision] ??= { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });
    d.calls += spend.calls;
    d.promptTokens += spend.promptTokens;
    d.completionTokens += spend.completionTokens;
    d.costUsd += cost;
    this.total.calls += spend.calls;
    this.total.promptTokens += spend.promptTokens;
    this.total.completionTokens += spend.completionTokens;
    this.total.costUsd += cost;
    return cost;
  }

  get totalTokens(): number {
    return this.total.promptTokens + this.total.completionTokens;
  }

  get totalCostUsd(): number {
    return this.total.costUsd;
  }

  /**
   * Why a call with a prompt of about `promptTokens` must not start, or null. A call never
   * starts past a cap; its reply can still overshoot by its own length.
   */
  capBefore(promptTokens: number): string | null {
    const { maxTokens, maxUsd } = this.opts;
    if (this.totalTokens + promptTokens > maxTokens) {
      return `token cap: ${this.totalTokens.toLocaleString('en-US')} of ${maxTokens.toLocaleString('en-US')} tokens spent (OURO_LLM_MAX_TOKENS_PER_RUN)`;
    }
    if (this.price !== null && this.total.costUsd + this.costOf(promptTokens, 0) > maxUsd) {
      return `cost cap: $${this.total.costUsd.toFixed(4)} of $${maxUsd.toFixed(2)} spent (OURO_LLM_MAX_USD_PER_RUN)`;
    }
    return null;
  }

  markCapped(why: string): void {
    this.capped ??= why;
  }

  markFellBack(why: string): void {
    this.fellBack ??= why;
  }

  snapshot(): BrainUsage {
    return {
      model: this.opts.model,
      calls: this.total.calls,
      promptTokens: this.total.promptTokens,
      completionTokens: this.total.completionTokens,
      totalTokens: this.totalTokens,
      costUsd: this.total.costUsd,
      priced: this.priced,
      byDecision: structuredClone(this.byDecision),
      capped: this.capped,
      fellBack: this.fellBack,
    };
  }
}
