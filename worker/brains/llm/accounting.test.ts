import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LLM_PRICES } from '../../../core/config.ts';
import { priceOf, UsageMeter } from './accounting.ts';

test('prices: exact name, then the longest priced prefix of a dated snapshot', () => {
  assert.deepEqual(priceOf('gpt-4.1', DEFAULT_LLM_PRICES), { input: 2, output: 8 });
  assert.deepEqual(priceOf('gpt-4.1-mini-2025-04-14', DEFAULT_LLM_PRICES), { input: 0.4, output: 1.6 });
  assert.equal(priceOf('qwen2.5-coder:32b', DEFAULT_LLM_PRICES), null);
});

test('the meter sums spend per decision and stops a call that would cross a cap', () => {
  const meter = new UsageMeter({
    model: 'gpt-4.1-mini',
    prices: DEFAULT_LLM_PRICES,
    maxTokens: 10_000,
    maxUsd: 1,
  });
  assert.equal(
    meter.add('plan', { calls: 1, promptTokens: 1000, completionTokens: 500 }),
    (1000 * 0.4 + 500 * 1.6) / 1e6,
  );
  meter.add('next', { calls: 2, promptTokens: 3000, completionTokens: 100 });
  meter.add('next', { calls: 1, promptTokens: 1000, completionTokens: 100 });
  const usage = meter.snapshot();
  assert.equal(usage.totalTokens, 5700);
  assert.deepEqual(usage.byDecision.next, {
    calls: 3,
    promptTokens: 4000,
    completionTokens: 200,
    costUsd: (4000 * 0.4 + 200 * 1.6) / 1e6,
  });
  assert.equal(meter.capBefore(4300), null);
  assert.match(meter.capBefore(4301) ?? '', /^token cap: 5,700 of 10,000 tokens spent/);

  const dear = new UsageMeter({ model: 'gpt-4.1', prices: DEFAULT_LLM_PRICES, maxTokens: 1e9, maxUsd: 0.01 });
  dear.add('script', { calls: 1, promptTokens: 4000, completionTokens: 0 });
  assert.match(dear.capBefore(1001) ?? '', /^cost cap: \$0\.0080 of \$0\.01 spent/);
});

test('a model without a price is counted in tokens only, and the dollar cap does not apply', () => {
  const meter = new UsageMeter({
    model: 'llama3.1:8b',
    prices: DEFAULT_LLM_PRICES,
    maxTokens: 1e9,
    maxUsd: 0.000001,
  });
  meter.add('plan', { calls: 1, promptTokens: 100_000, completionTokens: 1 });
  assert.equal(meter.snapshot().priced, false);
  assert.equal(meter.totalCostUsd, 0);
  assert.equal(meter.capBefore(1000), null);
});
