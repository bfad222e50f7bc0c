import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFollowUpQuestion } from './follow-up-question.ts';

test('questions in a finished thread are follow-ups; commands and chatter are not', () => {
  for (const q of ['what drives churn?', 'churn rate by contract?', 'is tenure different by region?'])
    assert.equal(isFollowUpQuestion(q, false), true, q);
  assert.equal(isFollowUpQuestion('compare churn by contract', true), true);
  assert.equal(isFollowUpQuestion('compare churn by contract', false), false);
  for (const q of ['why?', 'status', 'thanks!', 'ok', 'what can you do?', 'stop'])
    assert.equal(isFollowUpQuestion(q, true), false, q);
});
