import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../core/config.ts';
import { textMessage } from '../render/chat-message.ts';
import { discordRefusal, predictionsCsv } from './discord-rules.ts';
import { isDiscordCdnHost } from './discord-files.ts';
import { toDiscordMessage } from './discord-message.ts';

test('messages: plain content, or an embed when there is a header; only named users are pinged', () => {
  const plain = toDiscordMessage(textMessage('🧭 Passed to the run, as <@123> asked'));
  assert.equal(plain.content, '🧭 Passed to the run, as <@123> asked');
  assert.deepEqual(plain.embeds, []);
  assert.deepEqual(plain.allowed_mentions, { parse: [], users: ['123'] });
  const card = toDiscordMessage({
    text: 'x',
    blocks: [
      { type: 'header', text: '📊 churn v1' },
      { type: 'text', text: '**Model URL:** http://x' },
      { type: 'fields', fields: [['roc_auc', '0.91']] },
      { type: 'context', text: 'see `/predict`' },
    ],
  });
  assert.equal(card.content, '');
  assert.equal(card.embeds[0]!.title, '📊 churn v1');
  assert.equal(card.embeds[0]!.description, '**Model URL:** http://x');
  assert.deepEqual(card.embeds[0]!.fields, [{ name: 'roc_auc', value: '0.91', inline: true }]);
  assert.equal(card.embeds[0]!.footer?.text, 'see /predict');
  assert.ok(toDiscordMessage(textMessage('y'.repeat(5000))).content.length <= 2000);
});

test('allow-lists: guild, channel (a thread by its parent), role', () => {
  const config = loadConfig({
    OURO_DISCORD_ALLOWED_GUILDS: 'G1',
    OURO_DISCORD_ALLOWED_CHANNELS: 'C1',
    OURO_DISCORD_ALLOWED_ROLES: 'R1',
  });
  assert.equal(discordRefusal({ guild: 'G1', channel: 'C1', parent: null, roles: ['R1'] }, config), null);
  assert.equal(discordRefusal({ guild: 'G1', channel: 'T9', parent: 'C1', roles: ['R1'] }, config), null);
  assert.equal(discordRefusal({ guild: 'G2', channel: 'C1', parent: null, roles: ['R1'] }, config), 'guild');
  assert.equal(discordRefusal({ guild: null, channel: 'C1', parent: null, roles: ['R1'] }, config), 'guild');
  assert.equal(
    discordRefusal({ guild: 'G1', channel: 'C2', parent: null, roles: ['R1'] }, config),
    'channel',
  );
  assert.equal(discordRefusal({ guild: 'G1', channel: 'C1', parent: null, roles: ['R2'] }, config), 'role');
  assert.equal(discordRefusal({ guild: 'G', channel: 'C', parent: null, roles: [] }, loadConfig({})), null);
});

test('downloads only from the CDN; batch predictions as CSV', () => {
  assert.ok(isDiscordCdnHost('https://cdn.discordapp.com/attachments/1/2/a.csv?ex=1', undefined));
  assert.ok(!isDiscordCdnHost('https://evil.example/a.csv', undefined));
  assert.ok(isDiscordCdnHost('http://127.0.0.1:5/cdn/a.csv', 'http://127.0.0.1:5/api'));
  const csv = predictionsCsv(
    [
      { a: '1', city: 'Paris, FR' },
      { a: '2', city: 'Oslo' },
    ],
    {
      model: 'm',
      version: 1,
      predictions: ['yes', 'no'],
      probabilities: [
        { no: 0.2, yes: 0.8 },
        { no: 0.9, yes: 0.1 },
      ],
      warnings: [],
      filled: [],
    },
  );
  assert.equal(
    csv,
    'a,city,prediction,probability_no,probability_yes\n1,"Paris, FR",yes,0.2,0.8\n2,Oslo,no,0.9,0.1\n',
  );
});
