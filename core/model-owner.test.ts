import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimModelName, mayUse, OPERATOR, ownerOf, type ModelOwner } from './model-owner.ts';

const teamA: ModelOwner = { platform: 'slack', team: 'T-A', channel: 'C-1' };
const teamAOtherChannel: ModelOwner = { platform: 'slack', team: 'T-A', channel: 'C-2' };
const teamB: ModelOwner = { platform: 'slack', team: 'T-B', channel: 'C-1' };
const guild: ModelOwner = { platform: 'discord', team: 'G-1', channel: 'C-1' };

test('the first publisher owns a name; another team is refused; the owner publishes again', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ouro-owner-'));
  await claimModelName(root, 'churn', teamA);
  await claimModelName(root, 'churn', teamAOtherChannel); // same workspace: same claimant
  await assert.rejects(claimModelName(root, 'churn', teamB), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'model_name_taken');
    assert.match(err.message, /"churn" belongs to another Slack workspace \(T-A\)/);
    return true;
  });
  await assert.rejects(claimModelName(root, 'churn', OPERATOR), /belongs to/);
  await assert.rejects(claimModelName(root, 'churn', guild), /belongs to/);
});

test('a name published before owners existed belongs to the operator', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ouro-owner-'));
  await mkdir(join(root, 'legacy'), { recursive: true });
  await writeFile(join(root, 'legacy', 'current.json'), '{"version":1,"updatedAt":"2026-01-01"}');
  await assert.rejects(claimModelName(root, 'legacy', teamA), /belongs to the operator/);
  await claimModelName(root, 'legacy', OPERATOR);
});

test('two first publishers at once: exactly one wins', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ouro-owner-'));
  const results = await Promise.allSettled([
    claimModelName(root, 'race', teamA),
    claimModelName(root, 'race', teamB),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
});

test("who may use a model: team (default), channel, all; the operator's models are shared", () => {
  assert.equal(mayUse(teamA, teamAOtherChannel, 'team'), true);
  assert.equal(mayUse(teamA, teamB, 'team'), false);
  assert.equal(mayUse(teamA, guild, 'team'), false);
  assert.equal(mayUse(teamA, teamAOtherChannel, 'channel'), false);
  assert.equal(mayUse(teamA, teamA, 'channel'), true);
  assert.equal(mayUse(teamA, teamB, 'all'), true);
  assert.equal(mayUse(undefined, teamB, 'channel'), true);
  assert.equal(mayUse(OPERATOR, guild, 'team'), true);
});

test('ownerOf: a Discord thread counts as its parent channel', () => {
  assert.deepEqual(ownerOf({ platform: 'discord', team: 'G-1', channel: 'thread-9', space: 'C-1' }), guild);
  assert.deepEqual(ownerOf({ platform: 'terminal' }), OPERATOR);
});
