import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toMrkdwn, toSlackMessage } from './slack-blocks.ts';

test('neutral markup becomes mrkdwn; Slack control characters are escaped except in mentions', () => {
  assert.equal(
    toMrkdwn('**best** `a<b` & [page](http://x/y?a=1&b=2) <@U123>'),
    '*best* `a&lt;b` &amp; <http://x/y?a=1&amp;b=2|page> <@U123>',
  );
  const m = toSlackMessage({
    text: 't',
    blocks: [
      { type: 'header', text: 'h'.repeat(200) },
      { type: 'fields', fields: [['metric', '**0.8**']] },
      { type: 'code', text: '/predict m a=1' },
      { type: 'context', text: 'c' },
      { type: 'divider' },
    ],
  });
  assert.equal(m.blocks.length, 5);
  assert.equal((m.blocks[0] as { text: { text: string } }).text.text.length, 150);
  assert.deepEqual(m.blocks[1], { type: 'section', fields: [{ type: 'mrkdwn', text: '*metric*\n*0.8*' }] });
  assert.deepEqual(m.blocks[2], { type: 'section', text: { type: 'mrkdwn', text: '```/predict m a=1```' } });
});
