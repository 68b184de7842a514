// Issue 10, points 1 (one integration per receiver), 3 (changed answers) and 9 (re-runs):
// setup recognises its own integration and rule by what it saved, never repoints another
// receiver's integration, never adds a second rule, and a re-run needs no --mode.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSentryApi } from '../../src/sentry/api.js';
import { hadFrequency } from '../../src/commands/setup/register.js';
import { choose, freePort, PRIVATE_CHAT, scriptedPrompts, SENTRY_TOKEN, makeWorld, runMain, sentryWrites, testContext, worldArgs, type World } from './helpers.js';

async function readEnv(path: string): Promise<Record<string, string>> {
  return parseDotenv(await readFile(path, 'utf8'));
}

const FREQUENCY = 'sentry.rules.conditions.event_frequency.EventFrequencyCondition';
const listRules = (w: World) => createSentryApi({ baseUrl: w.sentry.url, token: SENTRY_TOKEN }).listRules('acme', 'backend');

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(async () => {
  await w.close();
});

const integrationArgs = (w: World) => [...worldArgs(w), '--yes', '--mode', 'integration', '--public-url', w.publicUrl, '--no-serve'];

describe.sequential('setup re-runs', () => {
  it('a second receiver (another folder, another project) gets its own integration; the first keeps its URL', async () => {
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, integrationArgs(w)), t1.output()).toBe(0);
    const [first] = [...w.sentry.state.sentryApps.values()];
    const env1 = await readEnv(w.envFile);
    expect(env1.SENTRY_TG_INTEGRATION).toBe(first!.slug);
    expect(env1.SENTRY_TG_MODE).toBe('integration');
    const firstUrl = first!.webhookUrl;

    const dir2 = await mkdtemp(join(tmpdir(), 'sentry-tg-setup-2-'));
    try {
      const port2 = await freePort();
      await writeFile(join(dir2, '.env'), '', { mode: 0o600 });
      const t2 = testContext({ cwd: dir2, env: { ...w.env, SENTRY_PROJECT: 'frontend' } });
      const args2 = ['--env-file', join(dir2, '.env'), 'setup', '--data-dir', join(dir2, 'data'), '--port', String(port2)];
      expect(await runMain(t2, [...args2, '--yes', '--mode', 'integration', '--public-url', `http://127.0.0.1:${port2}`, '--no-serve']), t2.output()).toBe(0);
      expect(t2.output()).not.toMatch(/update internal integration/);
      const apps = [...w.sentry.state.sentryApps.values()];
      expect(apps).toHaveLength(2);
      expect(w.sentry.getSentryApp(first!.slug)!.webhookUrl).toBe(firstUrl);
      const second = apps.find((a) => a.slug !== first!.slug)!;
      expect((await readEnv(join(dir2, '.env'))).SENTRY_TG_INTEGRATION).toBe(second.slug);
      expect(w.sentry.getRules('acme', 'frontend')[0]!.actions).toEqual([expect.objectContaining({ service: second.slug })]);
    } finally {
      await rm(dir2, { recursive: true, force: true });
    }
  });

  it('a re-run without --mode takes the saved mode and repoints only its own integration', async () => {
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, integrationArgs(w)), t1.output()).toBe(0);
    // Same receiver, another address for it (as after moving to another proxy).
    const t2 = testContext({ cwd: w.dir, env: w.env });
    const args = [...worldArgs(w), '--yes', '--public-url', `http://localhost:${w.port}`, '--no-serve'];
    expect(await runMain(t2, args), t2.output()).toBe(0);
    const apps = [...w.sentry.state.sentryApps.values()];
    expect(apps).toHaveLength(1);
    expect(apps[0]!.webhookUrl).toBe(`http://localhost:${w.port}/api/sentry-webhook`);
    expect(sentryWrites(w).filter((r) => r === 'POST /api/0/sentry-apps/')).toHaveLength(1);
  });

  it('changing the frequency answer updates sentry-tg\'s own rule in place, never adds a second', async () => {
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, [...integrationArgs(w), '--frequency-rule']), t1.output()).toBe(0);
    const [before] = w.sentry.getRules('acme', 'backend');
    expect(before!.conditions.map((c) => c.id)).toContain(FREQUENCY);
    expect(hadFrequency(await listRules(w))).toBe(true);

    const t2 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t2, [...integrationArgs(w), '--no-frequency-rule']), t2.output()).toBe(0);
    const rules = w.sentry.getRules('acme', 'backend');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.id).toBe(before!.id);
    expect(rules[0]!.name).toBe('sentry-tg: new or regressed issues');
    expect(rules[0]!.conditions.map((c) => c.id)).not.toContain(FREQUENCY);
    expect(sentryWrites(w)).toContain(`PUT /api/0/projects/acme/backend/rules/${before!.id}/`);
    expect(t2.output()).toContain('updated in place');
    expect(hadFrequency(await listRules(w))).toBe(false);
  });

  it('a private chat whose user never started the bot is refused before anything changes', async () => {
    w.tg.updateChat(PRIVATE_CHAT, { botStatus: 'left' });
    const t = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t, integrationArgs(w))).not.toBe(0);
    expect(t.output()).toContain('the user never started the bot');
    expect(t.output()).toContain('press Start');
    expect(sentryWrites(w)).toEqual([]);
    expect(w.tg.messagesIn(PRIVATE_CHAT)).toHaveLength(0);
  });

  it('a group upgraded to a supergroup: setup moves to the new id and saves it', async () => {
    w.tg.addChat({ id: -4001, type: 'group', botStatus: 'member' });
    w.tg.migrateGroup(-4001, -1004001);
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_ALERT_CHAT_ID: '-4001' } });
    expect(await runMain(t, integrationArgs(w)), t.output()).toBe(0);
    expect((await readEnv(w.envFile)).SENTRY_ALERT_CHAT_ID).toBe('-1004001');
  });

  it('a typed id of a group that is not a forum is not asked for a topic; the plan says "new file" when there is no .env', async () => {
    w.tg.addChat({ id: -1005550001, type: 'supergroup', title: 'Ops', botStatus: 'member' });
    const dir = await mkdtemp(join(tmpdir(), 'sentry-tg-setup-new-'));
    try {
      const prompts = scriptedPrompts([
        { kind: 'select', match: /No chat found yet/, answer: choose(/Type a chat id/) },
        { kind: 'input', match: /Chat id/, answer: '-1005550001' },
        { kind: 'confirm', match: /more than 10 times/, answer: false },
      ]);
      const env = { ...w.env };
      delete env.SENTRY_ALERT_CHAT_ID;
      const t = testContext({ cwd: dir, env, prompts });
      const args = ['setup', '--mode', 'plugin', '--public-url', w.publicUrl, '--port', String(w.port), '--data-dir', join(dir, 'data'), '--dry-run'];
      expect(await runMain(t, args, { chatWaitMs: 200 }), t.output()).toBe(0);
      expect(prompts.remaining()).toEqual([]);
      expect(prompts.asked.join('\n')).not.toMatch(/topic/i);
      expect(t.output()).toMatch(/\.env: add .* \(new file, mode 0600/);
      expect(t.output()).not.toContain('old file backed up');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a re-run changes the chat by answering again', async () => {
    await writeFile(w.envFile, `SENTRY_ALERT_CHAT_ID=${PRIVATE_CHAT}\n`, { mode: 0o600 });
    w.tg.addChat({ id: -1005550002, type: 'supergroup', title: 'Ops2', botStatus: 'administrator' });
    w.tg.pushMessage(-1005550002, '/start@sentry_tg_test_bot', { from: { id: 777, first_name: 'Bo' } });
    const prompts = scriptedPrompts([
      { kind: 'confirm', match: /Alerts go to private chat with Ada .* Keep this chat\?/, answer: false },
      { kind: 'select', match: /Which chat/, answer: choose(/Ops2/) },
      { kind: 'confirm', match: /Let Bo \(777\) press Resolve/, answer: false },
      { kind: 'confirm', match: /more than 10 times/, answer: false },
    ]);
    const env = { ...w.env };
    delete env.SENTRY_ALERT_CHAT_ID;
    const t = testContext({ cwd: w.dir, env, prompts });
    expect(await runMain(t, [...worldArgs(w), '--mode', 'plugin', '--public-url', w.publicUrl, '--dry-run'], { chatWaitMs: 3000 }), t.output()).toBe(0);
    expect(prompts.remaining()).toEqual([]);
    expect(t.output()).toContain('Chat: group "Ops2" (-1005550002)');
    expect(t.output()).toMatch(/\.env: .*update SENTRY_ALERT_CHAT_ID/);
  });

  it('SENTRY_PROJECT with several projects: each gets the rule, the list is kept in .env', async () => {
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_PROJECT: 'backend,frontend' } });
    expect(await runMain(t, integrationArgs(w)), t.output()).toBe(0);
    const [app] = [...w.sentry.state.sentryApps.values()];
    for (const project of ['backend', 'frontend']) {
      expect(w.sentry.getRules('acme', project).filter((r) => r.actions.some((a) => a.service === app!.slug))).toHaveLength(1);
    }
    expect((await readEnv(w.envFile)).SENTRY_PROJECT).toBe('backend,frontend');
    // A typo in the list is named before anything changes.
    const t2 = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_PROJECT: 'backend,frontnd' } });
    expect(await runMain(t2, integrationArgs(w))).not.toBe(0);
    expect(t2.output()).toContain('Sentry has no project "frontnd"');
  });
});
