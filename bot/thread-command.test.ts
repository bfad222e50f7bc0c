import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseThreadCommand } from './thread-command.ts';

const cmd = (text: string, addressed = false) => parseThreadCommand(text, { addressed, budgetSeconds: 180 });

test('thread replies: stop, status and steering; chatter is not a command unless the bot is addressed', () => {
  assert.deepEqual(cmd('stop'), { kind: 'stop' });
  assert.deepEqual(cmd('Cancel please.'), { kind: 'stop' });
  assert.deepEqual(cmd('status?'), { kind: 'status' });
  assert.deepEqual(cmd('exclude MonthlyIncome'), { kind: 'steer', text: 'exclude MonthlyIncome' });
  assert.deepEqual(cmd('use accuracy'), { kind: 'steer', text: 'use accuracy' });
  assert.deepEqual(cmd('try random forest!'), { kind: 'steer', text: 'try random forest' });
  assert.deepEqual(cmd('more time'), { kind: 'steer', text: 'add 90s' });
  assert.deepEqual(cmd('more time 5m'), { kind: 'steer', text: 'add 5m' });
  assert.deepEqual(cmd('why?'), { kind: 'explain' });
  assert.deepEqual(cmd('explain'), { kind: 'explain' });
  assert.deepEqual(cmd('why is it so slow'), { kind: 'none' });
  assert.deepEqual(cmd('why did it pick that model', true), { kind: 'explain' });
  assert.deepEqual(cmd('nice, looks promising'), { kind: 'none' });
  assert.deepEqual(cmd('nice, looks promising', true), { kind: 'help' });
});

test('retrain in a finished thread: with a budget, without one; `continue` only when the bot is addressed', () => {
  assert.deepEqual(cmd('retrain with 10 minutes'), { kind: 'retrain', budgetSeconds: 600 });
  assert.deepEqual(cmd('Retrain for 90s please'), { kind: 'retrain', budgetSeconds: 90 });
  assert.deepEqual(cmd('train it again, 1.5h'), { kind: 'retrain', budgetSeconds: 5400 });
  assert.deepEqual(cmd('retrain'), { kind: 'retrain' });
  assert.deepEqual(cmd('continue with 5m'), { kind: 'none' });
  assert.deepEqual(cmd('continue with 5m', true), { kind: 'retrain', budgetSeconds: 300 });
  assert.deepEqual(cmd('run it again', true), { kind: 'retrain' });
});
