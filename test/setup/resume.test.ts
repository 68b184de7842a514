// Issue 10, point 2: a failure after "Go ahead" keeps every answer (secrets in a 0600 state
// file next to .env) and what was done; the re-run asks nothing and finishes with one
// integration, one rule and a complete .env, then removes the state file.
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { loadSettings } from '../../src/config/load.js';
import { buttonsOffReason, type ServeSettings } from '../../src/pipeline/receiver.js';
import { callsFor, explainMissingScopes } from '../../src/commands/setup/sentry.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { choose, makeWorld, PRIVATE_CHAT, runMain, scriptedPrompts, SENTRY_TOKEN, TG_TOKEN, testContext, worldArgs, type World } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(async () => {
  await w.close();
});

const firstRun = (w: World) =>
  scriptedPrompts([
    { kind: 'password', match: /Telegram bot token/, answer: TG_TOKEN },
    { kind: 'select', match: /Which chat/, answer: choose(/Ada/) },
    { kind: 'confirm', match: /press Resolve \/ Archive/, answer: true },
    { kind: 'select', match: /How should Sentry call/, answer: 'integration' },
    { kind: 'input', match: /Sentry URL/, answer: w.sentry.url },
    { kind: 'password', match: /Sentry auth token/, answer: SENTRY_TOKEN },
    { kind: 'select', match: /Sentry organisation/, answer: choose(/Acme/) },
    { kind: 'select', match: /Sentry project/, answer: choose(/Backend/) },
    { kind: 'select', match: /How does Sentry reach/, answer: 'url' },
    { kind: 'input', match: /Public base URL/, answer: w.publicUrl },
    { kind: 'confirm', match: /more than 10 times in 1 minute/, answer: true },
    { kind: 'confirm', match: /Go ahead/, answer: true },
  ]);

describe.sequential('resumable setup', () => {
  it('a failure after "Go ahead" keeps the answers; the re-run asks nothing and finishes', async () => {
    w.tg.pushMessage(PRIVATE_CHAT, '/start');
    // The integration gets created, then Sentry refuses the rule.
    w.sentry.failNext(/\/rules\/$/, 400, { actions: ['Service unavailable for a moment.'] }, { method: 'POST' });
    const p1 = firstRun(w);
    const t1 = testContext({ cwd: w.dir, prompts: p1 });
    const args = [...worldArgs(w), '--telegram-api-root', w.tg.url, '--no-serve'];
    expect(await runMain(t1, args, { chatWaitMs: 3000 })).not.toBe(0);
    expect(p1.remaining()).toEqual([]);
    const statePath = `${w.envFile}.setup-state`;
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { answers: Record<string, string>; confirmed: boolean; done: string[] };
    const [app] = [...w.sentry.state.sentryApps.values()];
    expect(state.confirmed).toBe(true);
    expect(state.answers).toMatchObject({
      SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
      SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
      SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
      SENTRY_ORG: 'acme',
      SENTRY_PROJECT: 'backend',
      SENTRY_TG_MODE: 'integration',
      SENTRY_TG_INTEGRATION: app!.slug,
      SENTRY_WEBHOOK_SECRET: app!.clientSecret,
    });
    expect(state.done.join('\n')).toContain('created internal integration');
    expect(t1.output()).toContain('run `sentry-tg setup` again to finish');
    expect(t1.output()).not.toContain(SENTRY_TOKEN);

    const p2 = scriptedPrompts([]);
    const t2 = testContext({ cwd: w.dir, prompts: p2 });
    expect(await runMain(t2, args), t2.output()).toBe(0);
    expect(p2.asked).toEqual([]);
    expect(t2.output()).toContain('Resuming the unfinished setup');
    expect([...w.sentry.state.sentryApps.values()]).toHaveLength(1);
    const rules = w.sentry.getRules('acme', 'backend');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.name).toBe('sentry-tg: new, regressed or frequent issues');
    const env = parseDotenv(await readFile(w.envFile, 'utf8'));
    expect(env).toMatchObject({
      SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
      SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
      SENTRY_WEBHOOK_SECRET: app!.clientSecret,
      SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
      SENTRY_ORG: 'acme',
      SENTRY_PROJECT: 'backend',
      SENTRY_TG_MODE: 'integration',
      SENTRY_TG_INTEGRATION: app!.slug,
      PUBLIC_URL: w.publicUrl,
      SENTRY_TG_ALLOWED_USERS: String(PRIVATE_CHAT),
    });
    expect(existsSync(statePath)).toBe(false);
    // What setup wrote is enough for `serve` to start with the buttons on.
    const loaded = loadSettings({ envFile: { path: w.envFile, explicit: true }, env: {}, flags: {}, required: ['telegramToken', 'chatId'] });
    expect(buttonsOffReason(loaded.settings as ServeSettings)).toBeNull();
  });

  it('answers typed before a failure at a question are kept as well', async () => {
    // No /start arrives: chat discovery gives up after the bot token was typed.
    const p1 = scriptedPrompts([{ kind: 'password', match: /Telegram bot token/, answer: TG_TOKEN }]);
    const t1 = testContext({ cwd: w.dir, prompts: p1 });
    const args = [...worldArgs(w), '--telegram-api-root', w.tg.url, '--no-serve'];
    expect(await runMain(t1, args, { chatWaitMs: 300 })).not.toBe(0);
    const state = JSON.parse(await readFile(`${w.envFile}.setup-state`, 'utf8')) as { answers: Record<string, string> };
    expect(state.answers.SENTRY_ALERT_TELEGRAM_TOKEN).toBe(TG_TOKEN);
  });

  it('wanting the buttons makes the token check ask for event:write', () => {
    const scopes = ['org:read', 'project:read', 'project:write', 'alerts:write'];
    const base = { listOrgs: false, listProjects: false };
    expect(explainMissingScopes(scopes, 'plugin', callsFor('plugin', base))).toEqual([]);
    expect(explainMissingScopes(scopes, 'plugin', callsFor('plugin', { ...base, buttons: true })).join('\n')).toMatch(/event:write: needed for PUT .*Resolve \/ Archive/);
  });
});
