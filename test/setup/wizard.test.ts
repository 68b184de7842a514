// The whole wizard against the fake Telegram and the fake Sentry: scripted interactive runs,
// non-interactive runs in both modes, reruns that change nothing, and the failure paths.
import { readFile, stat, readdir } from 'node:fs/promises';
import { parse as parseDotenv } from 'dotenv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { urlToken } from '../../src/receive/verify.js';
import {
  choose,
  makeWorld,
  PRIVATE_CHAT,
  runDirect,
  runMain,
  scriptedPrompts,
  SENTRY_TOKEN,
  sentryWrites,
  TG_TOKEN,
  testContext,
  WEAK_SENTRY_TOKEN,
  worldArgs,
  type World,
} from './helpers.js';

const NOTIFY = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';
const FIRST_SEEN = 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition';
const REGRESSION = 'sentry.rules.conditions.regression_event.RegressionEventCondition';
const FREQUENCY = 'sentry.rules.conditions.event_frequency.EventFrequencyCondition';

async function readEnv(path: string): Promise<Record<string, string>> {
  return parseDotenv(await readFile(path, 'utf8'));
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function expectNoSecrets(text: string, ...secrets: (string | undefined)[]): void {
  for (const s of secrets) if (s) expect(text).not.toContain(s);
}

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(async () => {
  await w.close();
});

describe.sequential('setup, non-interactive', () => {
  it('plugin mode: writes .env, enables the plugin with our URL, creates the rule, and the test alert reaches Telegram', async () => {
    w.sentry.setPlugin('acme', 'backend', { urls: 'https://other.example.com/hook\nhttps://old.ngrok-free.app/api/sentry-webhook/stale' });
    const t = testContext({ cwd: w.dir, env: w.env });
    const code = await runMain(t, [...worldArgs(w), '--non-interactive', '--mode', 'plugin', '--public-url', w.publicUrl, '--no-serve']);
    expect(code, t.output()).toBe(0);

    const env = await readEnv(w.envFile);
    expect(env).toMatchObject({
      FOREIGN_KEY: 'keep-me',
      SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
      SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
      SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
      SENTRY_ORG: 'acme',
      SENTRY_PROJECT: 'backend',
      SENTRY_URL: w.sentry.url,
      TELEGRAM_API_ROOT: w.tg.url,
      PUBLIC_URL: w.publicUrl,
      PORT: String(w.port),
    });
    expect(env.SENTRY_WEBHOOK_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(await modeOf(w.envFile)).toBe(0o600);
    expect(await readFile(`${w.envFile}.bak`, 'utf8')).toBe('# my own settings\nFOREIGN_KEY=keep-me\n');
    expect(await modeOf(`${w.envFile}.bak`)).toBe(0o600);
    expect(await readFile(w.envFile, 'utf8')).toContain('# my own settings');

    const callback = `${w.publicUrl}/api/sentry-webhook/${urlToken(env.SENTRY_WEBHOOK_SECRET!)}`;
    expect(w.sentry.getPlugin('acme', 'backend')).toEqual({ enabled: true, urls: `https://other.example.com/hook\n${callback}` });
    const rules = w.sentry.getRules('acme', 'backend');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.actionMatch).toBe('any');
    expect(rules[0]!.conditions.map((c) => c.id)).toEqual([FIRST_SEEN, REGRESSION]);
    expect(rules[0]!.actions).toMatchObject([{ id: NOTIFY, service: 'webhooks' }]);

    const messages = w.tg.messagesIn(PRIVATE_CHAT);
    expect(messages).toHaveLength(2);
    expect(messages[0]!.text).toContain('sentry-tg is connected');
    expect(messages[1]!.text).toContain('This is an example Python exception');

    const out = t.output();
    expect(out).toContain('The test alert arrived in Telegram.');
    expect(out).toContain('Summary of changes');
    expect(out).toContain('sentry-tg serve');
    expectNoSecrets(out, TG_TOKEN, SENTRY_TOKEN, env.SENTRY_WEBHOOK_SECRET, urlToken(env.SENTRY_WEBHOOK_SECRET!));
  });
});

describe.sequential('setup, interactive (scripted prompts)', () => {
  it('plugin mode: finds the chat from /start, picks org and project from paginated lists, and proves the path', async () => {
    w.tg.pushMessage(PRIVATE_CHAT, '/start');
    const prompts = scriptedPrompts([
      { kind: 'password', match: /Telegram bot token/, answer: TG_TOKEN },
      { kind: 'select', match: /Which chat/, answer: choose(/Ada/) },
      { kind: 'confirm', match: /Let Ada \(@ada\) \(5550001\) press Resolve \/ Archive/, answer: true },
      { kind: 'select', match: /How should Sentry call/, answer: 'plugin' },
      { kind: 'input', match: /Sentry URL/, answer: w.sentry.url },
      { kind: 'password', match: /Sentry auth token/, answer: SENTRY_TOKEN },
      { kind: 'select', match: /Sentry organisation/, answer: choose(/Gamma/) },
      { kind: 'select', match: /Sentry project/, answer: choose(/Worker/) },
      { kind: 'select', match: /How does Sentry reach/, answer: 'url' },
      { kind: 'input', match: /Public base URL/, answer: w.publicUrl },
      { kind: 'confirm', match: /more than 10 times in 1 minute/, answer: true },
      { kind: 'confirm', match: /Go ahead/, answer: true },
    ]);
    w.sentry.addProject('gamma', 'worker', 'Worker');
    w.sentry.addProject('gamma', 'api', 'API');
    w.sentry.addProject('gamma', 'web', 'Web');
    const t = testContext({ cwd: w.dir, prompts });
    const code = await runMain(t, [...worldArgs(w), '--telegram-api-root', w.tg.url, '--no-serve'], { chatWaitMs: 3000 });
    expect(code, t.output()).toBe(0);
    expect(prompts.remaining()).toEqual([]);

    const env = await readEnv(w.envFile);
    expect(env).toMatchObject({
      FOREIGN_KEY: 'keep-me',
      SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
      SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
      SENTRY_ORG: 'gamma',
      SENTRY_PROJECT: 'worker',
      // The person who sent /start may press the buttons.
      SENTRY_TG_ALLOWED_USERS: String(PRIVATE_CHAT),
      SENTRY_URL: w.sentry.url,
      SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
    });
    expect(await modeOf(w.envFile)).toBe(0o600);
    const plugin = w.sentry.getPlugin('gamma', 'worker');
    expect(plugin.enabled).toBe(true);
    expect(plugin.urls).toBe(`${w.publicUrl}/api/sentry-webhook/${urlToken(env.SENTRY_WEBHOOK_SECRET!)}`);
    const [rule] = w.sentry.getRules('gamma', 'worker');
    expect(rule!.conditions).toEqual([{ id: FIRST_SEEN }, { id: REGRESSION }, { id: FREQUENCY, value: 10, interval: '1m' }]);
    expect(rule!.actions).toMatchObject([{ id: NOTIFY, service: 'webhooks' }]);
    const texts = w.tg.messagesIn(PRIVATE_CHAT).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('This is an example Python exception');
    expect(t.output()).toContain('Waiting for a message to @sentry_tg_test_bot');
    expectNoSecrets(t.output(), TG_TOKEN, SENTRY_TOKEN, env.SENTRY_WEBHOOK_SECRET);
  });

  it('integration mode: a forum topic, an ngrok tunnel, then serves real Sentry webhooks until Ctrl-C', async () => {
    const group = -1001234567890;
    w.tg.addChat({ id: group, type: 'supergroup', title: 'Ops', isForum: true, topics: [7] });
    const groupChat = { id: group, type: 'supergroup', title: 'Ops', is_forum: true };
    w.tg.pushUpdate({
      message: {
        message_id: 20,
        message_thread_id: 7,
        is_topic_message: true,
        date: Math.floor(Date.now() / 1000),
        chat: groupChat,
        from: { id: 424242, is_bot: false, first_name: 'Ada' },
        text: '/start@sentry_tg_test_bot',
        reply_to_message: { message_id: 7, message_thread_id: 7, date: 0, chat: groupChat, forum_topic_created: { name: 'Alerts' } },
      },
    });
    let tunnelClosed = false;
    const opened: { port: number; host: string }[] = [];
    const scripted = scriptedPrompts([
      { kind: 'password', match: /Telegram bot token/, answer: TG_TOKEN },
      { kind: 'select', match: /Which chat/, answer: choose(/topic "Alerts" \(7\)/) },
      { kind: 'confirm', match: /press Resolve \/ Archive/, answer: false },
      { kind: 'select', match: /How should Sentry call/, answer: 'integration' },
      { kind: 'input', match: /Sentry URL/, answer: w.sentry.url },
      { kind: 'password', match: /Sentry auth token/, answer: SENTRY_TOKEN },
      { kind: 'select', match: /Sentry organisation/, answer: 'acme' },
      { kind: 'select', match: /Sentry project/, answer: 'frontend' },
      { kind: 'select', match: /How does Sentry reach/, answer: 'tunnel' },
      { kind: 'password', match: /ngrok authtoken/, answer: 'ngrok_FAKE_authtoken_for_tests' },
      { kind: 'confirm', match: /more than 10 times/, answer: false },
      { kind: 'confirm', match: /Go ahead/, answer: true },
    ]);
    let served = '';
    const t = testContext({
      cwd: w.dir,
      prompts: scripted,
      openTunnel: async ({ port, host, authtoken }) => {
        expect(authtoken).toBe('ngrok_FAKE_authtoken_for_tests');
        opened.push({ port, host });
        return {
          url: `http://${host}:${port}`,
          close: async () => {
            tunnelClosed = true;
          },
        };
      },
      untilSignal: async () => {
        // While setup serves, Sentry itself sends a signed issue webhook through the tunnel.
        const app = [...w.sentry.state.sentryApps.values()][0]!;
        const before = w.tg.messagesIn(group, 7).length;
        const delivery = await w.sentry.sendIntegrationWebhook(app.slug, 'issue', 'created', {
          issue: { id: '42', shortId: 'FRONTEND-1', title: 'TypeError: served while setup runs', level: 'error', status: 'unresolved', project: { id: '2', name: 'Frontend', slug: 'frontend' } },
        });
        expect(delivery.status).toBe(202);
        const msg = await w.tg.waitFor((tg) => tg.messagesIn(group, 7)[before], 10_000);
        served = msg.text;
        return 'SIGINT';
      },
    });
    const code = await runMain(t, [...worldArgs(w), '--telegram-api-root', w.tg.url], { chatWaitMs: 3000 });
    expect(code, t.output()).toBe(0);
    expect(scripted.remaining()).toEqual([]);
    expect(opened).toEqual([{ port: w.port, host: '127.0.0.1' }]);
    expect(tunnelClosed).toBe(true);
    expect(served).toContain('served while setup runs');

    const apps = [...w.sentry.state.sentryApps.values()];
    expect(apps).toHaveLength(1);
    const app = apps[0]!;
    expect(app).toMatchObject({ name: 'sentry-tg', isInternal: true, isAlertable: true, events: ['issue'], scopes: ['event:read'], webhookUrl: `${w.publicUrl}/api/sentry-webhook` });
    const env = await readEnv(w.envFile);
    expect(env).toMatchObject({
      SENTRY_ALERT_CHAT_ID: String(group),
      SENTRY_ALERT_TOPIC_ID: '7',
      SENTRY_WEBHOOK_SECRET: app.clientSecret,
      NGROK_AUTHTOKEN: 'ngrok_FAKE_authtoken_for_tests',
      SENTRY_PROJECT: 'frontend',
    });
    expect(env.PUBLIC_URL).toBeUndefined();
    const [rule] = w.sentry.getRules('acme', 'frontend');
    expect(rule!.actions).toMatchObject([{ id: NOTIFY, service: app.slug }]);
    const inTopic = w.tg.messagesIn(group, 7).map((m) => m.text);
    expect(inTopic[0]).toContain('sentry-tg is connected');
    expect(inTopic[1]).toContain('sentry-tg setup test alert');
    expect(t.output()).toContain('Next time start the receiver with: sentry-tg serve --tunnel');
    expectNoSecrets(t.output(), TG_TOKEN, SENTRY_TOKEN, app.clientSecret, 'ngrok_FAKE_authtoken_for_tests');
  });

  it('asks again after a bad bot token', async () => {
    const env = { ...w.env };
    delete env.SENTRY_ALERT_TELEGRAM_TOKEN;
    const prompts = scriptedPrompts([
      { kind: 'password', match: /Telegram bot token/, answer: '123456789:FAKE-wrong-token-this-bot-does-not-exist' },
      { kind: 'password', match: /Telegram bot token/, answer: TG_TOKEN },
      { kind: 'confirm', match: /more than 10 times/, answer: false },
    ]);
    const t = testContext({ cwd: w.dir, env, prompts });
    const code = await runMain(t, [...worldArgs(w), '--mode', 'plugin', '--public-url', w.publicUrl, '--dry-run']);
    expect(code, t.output()).toBe(0);
    expect(prompts.remaining()).toEqual([]);
    expect(t.output()).toContain('Telegram rejected the bot token (401 Unauthorized)');
    expect(t.output()).toContain('Telegram bot: @sentry_tg_test_bot');
  });

  it('gives up cleanly when no chat writes to the bot in time', async () => {
    const env = { ...w.env };
    delete env.SENTRY_ALERT_CHAT_ID;
    const prompts = scriptedPrompts([{ kind: 'select', match: /No chat found yet/, answer: choose(/Give up/) }]);
    const t = testContext({ cwd: w.dir, env, prompts });
    const started = Date.now();
    await expect(runDirect(t, { envFile: w.envFile, flags: { mode: 'plugin', dryRun: true }, knobs: { chatWaitMs: 1200 } })).rejects.toThrow(
      /No chat found: nothing was sent to @sentry_tg_test_bot in time/,
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(t.output()).toContain('No message reached @sentry_tg_test_bot within 1 s');
    expect(w.tg.callsTo('getUpdates').length).toBeGreaterThan(0);
  });

  it('409 webhook active: explains, deletes the webhook when asked, then finds the chat', async () => {
    const set = await fetch(`${w.tg.url}/bot${TG_TOKEN}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://old-bot.example.com/hook' }),
    });
    expect(set.status).toBe(200);
    w.tg.pushMessage(PRIVATE_CHAT, '/start');
    const env = { ...w.env };
    delete env.SENTRY_ALERT_CHAT_ID;
    const prompts = scriptedPrompts([
      { kind: 'select', match: /webhook blocks chat discovery/, answer: choose(/Delete the webhook/) },
      { kind: 'select', match: /Which chat/, answer: choose(/Ada/) },
      { kind: 'confirm', match: /press Resolve \/ Archive/, answer: false },
      { kind: 'confirm', match: /more than 10 times/, answer: false },
      { kind: 'confirm', match: /Go ahead/, answer: true },
    ]);
    const t = testContext({ cwd: w.dir, env, prompts });
    const code = await runMain(t, [...worldArgs(w), '--mode', 'plugin', '--public-url', w.publicUrl, '--no-serve'], { chatWaitMs: 3000 });
    expect(code, t.output()).toBe(0);
    expect(w.tg.webhook).toBeUndefined();
    expect(t.output()).toContain('This bot has a Telegram webhook set (https://old-bot.example.com/hook)');
    expect(t.output()).toMatch(/remote\s+Telegram: deleted the bot's webhook/);
    expect(w.tg.messagesIn(PRIVATE_CHAT)).toHaveLength(2);
  });

  it('409 webhook active with --dry-run: keeps the webhook and takes a typed chat id', async () => {
    await fetch(`${w.tg.url}/bot${TG_TOKEN}/setWebhook?url=${encodeURIComponent('https://old-bot.example.com/hook')}`);
    const env = { ...w.env };
    delete env.SENTRY_ALERT_CHAT_ID;
    const prompts = scriptedPrompts([
      { kind: 'select', match: /webhook blocks chat discovery/, answer: choose(/type the chat id/) },
      { kind: 'input', match: /Chat id/, answer: String(PRIVATE_CHAT) },
      { kind: 'confirm', match: /more than 10 times/, answer: false },
    ]);
    const t = testContext({ cwd: w.dir, env, prompts });
    const code = await runMain(t, [...worldArgs(w), '--mode', 'plugin', '--public-url', w.publicUrl, '--dry-run']);
    expect(code, t.output()).toBe(0);
    expect(w.tg.webhook?.url).toBe('https://old-bot.example.com/hook');
    expect(w.tg.callsTo('deleteWebhook')).toHaveLength(0);
    expect(w.tg.callsTo('sendMessage')).toHaveLength(0);
  });
});

describe.sequential('setup, non-interactive: integration mode and reruns', () => {
  const integrationArgs = () => [...worldArgs(w), '--yes', '--mode', 'integration', '--public-url', w.publicUrl, '--no-serve'];

  it('creates the internal integration, stores its client secret, and a rerun changes nothing', async () => {
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, integrationArgs()), t1.output()).toBe(0);
    const apps = [...w.sentry.state.sentryApps.values()];
    expect(apps).toHaveLength(1);
    const app = apps[0]!;
    expect(app.slug).toMatch(/^sentry-tg-[0-9a-f]{6}$/);
    const env1 = await readEnv(w.envFile);
    expect(env1.SENTRY_WEBHOOK_SECRET).toBe(app.clientSecret);
    expect(w.sentry.getRules('acme', 'backend')).toHaveLength(1);
    expect(w.tg.messagesIn(PRIVATE_CHAT).map((m) => m.text)[1]).toContain('sentry-tg setup test alert');
    const writes1 = sentryWrites(w);
    expect(writes1).toEqual(['POST /api/0/sentry-apps/', 'POST /api/0/projects/acme/backend/rules/']);

    // A day later Sentry hides the secret; the env file still has it.
    app.secretVisible = false;
    const envBefore = await readFile(w.envFile, 'utf8');
    const t2 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t2, integrationArgs()), t2.output()).toBe(0);
    expect(sentryWrites(w)).toEqual(writes1);
    expect([...w.sentry.state.sentryApps.values()]).toHaveLength(1);
    expect(w.sentry.getRules('acme', 'backend')).toHaveLength(1);
    expect(await readFile(w.envFile, 'utf8')).toBe(envBefore);
    expect((await readdir(w.dir)).filter((f) => f.startsWith('.env.bak'))).toEqual(['.env.bak']);
    expect(t2.output()).toContain('already had these settings');
    expect(t2.output()).toContain('is already right (no change)');
    expect(t2.output()).toContain('reuse alert rule');
    // Nothing changed, so nothing was posted: still the first run's confirmation and test alert.
    expect(w.tg.messagesIn(PRIVATE_CHAT)).toHaveLength(2);
    expect(t2.output()).toContain('Nothing changed: no confirmation or test alert was sent');
  });

  it('points an existing integration at a new URL instead of creating another', async () => {
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, integrationArgs()), t1.output()).toBe(0);
    const port2 = w.port;
    const t2 = testContext({ cwd: w.dir, env: w.env });
    const args = integrationArgs().map((a) => (a === w.publicUrl ? `http://localhost:${port2}` : a));
    expect(await runMain(t2, args), t2.output()).toBe(0);
    const apps = [...w.sentry.state.sentryApps.values()];
    expect(apps).toHaveLength(1);
    expect(apps[0]!.webhookUrl).toBe(`http://localhost:${port2}/api/sentry-webhook`);
    expect(sentryWrites(w).filter((r) => r.startsWith('PUT /api/0/sentry-apps/'))).toHaveLength(1);
    expect(w.sentry.getRules('acme', 'backend')).toHaveLength(1);
  });

  it('fails with the how-to when an existing integration hides its secret and none is configured', async () => {
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, integrationArgs()), t1.output()).toBe(0);
    [...w.sentry.state.sentryApps.values()][0]!.secretVisible = false;
    const lines = (await readFile(w.envFile, 'utf8')).split('\n').filter((l) => !l.startsWith('SENTRY_WEBHOOK_SECRET='));
    await import('node:fs/promises').then((fs) => fs.writeFile(w.envFile, lines.join('\n')));
    const t2 = testContext({ cwd: w.dir, env: w.env });
    await expect(runDirect(t2, { envFile: w.envFile, flags: { yes: true, mode: 'integration', serve: false }, settingFlags: { publicUrl: w.publicUrl, port: String(w.port), dataDir: w.dataDir } })).rejects.toMatchObject({
      message: expect.stringMatching(/shows its client secret only during its first day/),
      hint: expect.stringMatching(/--webhook-secret or SENTRY_WEBHOOK_SECRET/),
    });
  });

  it('plugin rerun: no new rule, no duplicate URL, no new backup', async () => {
    const args = [...worldArgs(w), '--yes', '--mode', 'plugin', '--public-url', w.publicUrl, '--no-serve'];
    const t1 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t1, args), t1.output()).toBe(0);
    const plugin1 = { ...w.sentry.getPlugin('acme', 'backend') };
    const writes1 = sentryWrites(w);
    const t2 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t2, args), t2.output()).toBe(0);
    expect(w.sentry.getPlugin('acme', 'backend')).toEqual(plugin1);
    expect(w.sentry.getRules('acme', 'backend')).toHaveLength(1);
    // Nothing changed: no write at all, not even the plugin's test call.
    expect(sentryWrites(w).slice(writes1.length)).toEqual([]);
    expect((await readdir(w.dir)).filter((f) => f.startsWith('.env.bak'))).toEqual(['.env.bak']);
    // --send-test proves the path again on demand.
    const t3 = testContext({ cwd: w.dir, env: w.env });
    expect(await runMain(t3, [...args, '--send-test']), t3.output()).toBe(0);
    expect(sentryWrites(w).slice(writes1.length)).toEqual(['POST /api/0/projects/acme/backend/plugins/webhooks/']);
    expect(t3.output()).toMatch(/Summary of changes:\n\s+remote\s+Telegram: sent a confirmation message/);
  });

  it('opens the tunnel through the injected opener with --tunnel', async () => {
    const t = testContext({
      cwd: w.dir,
      env: { ...w.env, NGROK_AUTHTOKEN: 'ngrok_FAKE_authtoken_for_tests' },
      openTunnel: async ({ port, host }) => ({ url: `http://${host}:${port}/`, close: async () => undefined }),
    });
    const code = await runMain(t, [...worldArgs(w), '--yes', '--mode', 'plugin', '--tunnel', '--no-serve']);
    expect(code, t.output()).toBe(0);
    expect(w.sentry.getPlugin('acme', 'backend').urls).toMatch(new RegExp(`^${w.publicUrl}/api/sentry-webhook/[\\w-]{32}$`));
    expect(t.output()).toContain('Start the receiver with: sentry-tg serve --tunnel');
  });
});

describe.sequential('setup, failure paths and --dry-run', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    const before = await readFile(w.envFile, 'utf8');
    const t = testContext({ cwd: w.dir, env: w.env });
    const code = await runMain(t, [...worldArgs(w), '--yes', '--mode', 'plugin', '--public-url', w.publicUrl, '--dry-run']);
    expect(code, t.output()).toBe(0);
    expect(t.output()).toMatch(/Plan:\n\s+1\. Telegram: send a confirmation message/);
    expect(t.output()).toContain('Dry run: nothing was changed.');
    expect(await readFile(w.envFile, 'utf8')).toBe(before);
    expect(await modeOf(w.envFile)).toBe(0o644);
    expect((await readdir(w.dir)).sort()).toEqual(['.env']);
    expect(sentryWrites(w)).toEqual([]);
    expect(w.tg.callsTo('sendMessage')).toHaveLength(0);
  });

  it('non-interactive: every missing answer is named at once, with its flag and env var', async () => {
    const t = testContext({ cwd: w.dir, env: {} });
    const err = runDirect(t, { envFile: w.envFile, flags: { nonInteractive: true } });
    await expect(err).rejects.toThrow(/--telegram-token \(SENTRY_ALERT_TELEGRAM_TOKEN\)/);
    await expect(err).rejects.toThrow(/--chat-id \(SENTRY_ALERT_CHAT_ID\)/);
    await expect(err).rejects.toThrow(/--sentry-token \(SENTRY_AUTH_TOKEN\)/);
    await expect(err).rejects.toThrow(/--org \(SENTRY_ORG\)[\s\S]*--project \(SENTRY_PROJECT\)/);
    await expect(err).rejects.toThrow(/--mode plugin\|integration/);
    await expect(err).rejects.toThrow(/--public-url \(PUBLIC_URL\) or --tunnel/);
    expect(w.tg.calls).toHaveLength(0);
  });

  it('without a terminal it never prompts and names the missing flag', async () => {
    const t = testContext({ cwd: w.dir, env: w.env, interactive: false });
    await expect(runDirect(t, { envFile: w.envFile, flags: { mode: 'plugin' } })).rejects.toThrow(
      /there is no terminal to ask in\):\n\s+- --public-url \(PUBLIC_URL\) or --tunnel/,
    );
    const code = await runMain(t, [...worldArgs(w), '--mode', 'plugin']);
    expect(code).toBe(1);
    expect(t.stderr.text).toContain('--public-url (PUBLIC_URL) or --tunnel');
  });

  it('rejects an unknown --mode', async () => {
    const t = testContext({ cwd: w.dir, env: w.env });
    await expect(runDirect(t, { envFile: w.envFile, flags: { mode: 'email', yes: true } })).rejects.toThrow(/--mode must be "plugin" or "integration"/);
  });

  it('bad bot token: fails with the @BotFather hint', async () => {
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_ALERT_TELEGRAM_TOKEN: '123456789:FAKE-wrong-token-this-bot-does-not-exist' } });
    await expect(runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'plugin' }, settingFlags: { publicUrl: w.publicUrl } })).rejects.toMatchObject({
      message: expect.stringMatching(/Telegram rejected the bot token/),
      hint: expect.stringMatching(/@BotFather/),
    });
    expect(t.output()).not.toContain('FAKE-wrong-token');
  });

  it('bad Sentry token: fails with where to create one', async () => {
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_AUTH_TOKEN: 'sntryu_FAKE_unknown_token_0000000000' } });
    await expect(runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'plugin' }, settingFlags: { publicUrl: w.publicUrl } })).rejects.toMatchObject({
      message: expect.stringMatching(/Sentry rejected the auth token \(401/),
      hint: expect.stringMatching(/auth-tokens/),
    });
  });

  it('missing scopes: names each scope and the call that needs it (plugin)', async () => {
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_AUTH_TOKEN: WEAK_SENTRY_TOKEN } });
    const run = runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'plugin' }, settingFlags: { publicUrl: w.publicUrl } });
    await expect(run).rejects.toThrow(/project:write: needed for POST \/api\/0\/projects\/\{org\}\/\{project\}\/plugins\/webhooks\/ \(enable the WebHooks plugin\)/);
    await expect(run).rejects.toThrow(/alerts:write or project:write: needed for POST \/api\/0\/projects\/\{org\}\/\{project\}\/rules\/ \(create the alert rule\)/);
    expect(sentryWrites(w)).toEqual([]);
  });

  it('missing scopes: integration mode needs org:write and event:read', async () => {
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_AUTH_TOKEN: WEAK_SENTRY_TOKEN } });
    const run = runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'integration' }, settingFlags: { publicUrl: w.publicUrl } });
    await expect(run).rejects.toThrow(/org:write: needed for POST \/api\/0\/sentry-apps\/ \(create the internal integration\)/);
    await expect(run).rejects.toThrow(/event:read: the integration subscribes to issue events/);
    await expect(run).rejects.toMatchObject({ hint: expect.stringMatching(/org:read, org:write, project:read, alerts:write, event:read/) });
  });

  it('tunnel failure: ngrok\'s error code becomes a hint, and Sentry is left alone', async () => {
    const t = testContext({
      cwd: w.dir,
      env: { ...w.env, NGROK_AUTHTOKEN: 'ngrok_FAKE_bad_authtoken' },
      openTunnel: async () => {
        throw Object.assign(new Error('failed to connect: authentication failed: The authtoken you specified is not valid.'), { errorCode: 'ERR_NGROK_105' });
      },
    });
    const run = runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'plugin', tunnel: true, serve: false }, settingFlags: { port: String(w.port), dataDir: w.dataDir } });
    await expect(run).rejects.toMatchObject({
      message: 'Could not open the ngrok tunnel (ERR_NGROK_105).',
      hint: expect.stringMatching(/ngrok authtoken is invalid/),
    });
    expect(sentryWrites(w)).toEqual([]);
    // The chat was only probed (sendChatAction): nothing was posted before the failure.
    expect(w.tg.callsTo('sendChatAction').length).toBeGreaterThan(0);
    expect(w.tg.callsTo('sendMessage')).toHaveLength(0);
  });

  it('a chat the bot cannot write to fails with Telegram\'s hint', async () => {
    w.tg.updateChat(PRIVATE_CHAT, { botStatus: 'kicked' });
    const t = testContext({ cwd: w.dir, env: w.env });
    await expect(runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'plugin', dryRun: true }, settingFlags: { publicUrl: w.publicUrl } })).rejects.toMatchObject({
      message: expect.stringMatching(/@sentry_tg_test_bot cannot post to .*: the user blocked the bot/),
      hint: expect.stringMatching(/Unblock the bot/),
    });
  });

  it('an unknown chat id fails with "send /start first"', async () => {
    const t = testContext({ cwd: w.dir, env: { ...w.env, SENTRY_ALERT_CHAT_ID: '-100999' } });
    await expect(runDirect(t, { envFile: w.envFile, flags: { yes: true, mode: 'plugin', dryRun: true }, settingFlags: { publicUrl: w.publicUrl } })).rejects.toMatchObject({
      message: expect.stringMatching(/chat not found/),
      hint: expect.stringMatching(/send \/start/),
    });
  });
});

describe.sequential('setup without a public URL', () => {
  it('--no-tunnel: writes .env, sends the confirmation, leaves Sentry alone and prints the manual steps', async () => {
    const t = testContext({ cwd: w.dir, env: w.env });
    const code = await runMain(t, [...worldArgs(w), '--yes', '--mode', 'plugin', '--no-tunnel']);
    expect(code, t.output()).toBe(0);
    const env = await readEnv(w.envFile);
    expect(env.SENTRY_WEBHOOK_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.PUBLIC_URL).toBeUndefined();
    expect(sentryWrites(w)).toEqual([]);
    expect(w.tg.messagesIn(PRIVATE_CHAT)).toHaveLength(1);
    const out = t.output();
    expect(out).toContain('No public URL yet. To finish by hand:');
    // The manual steps need the callback URL, token included: it is printed this once.
    expect(out).toContain(`https://<your-host>/api/sentry-webhook/${urlToken(env.SENTRY_WEBHOOK_SECRET!)}`);
    expectNoSecrets(out, env.SENTRY_WEBHOOK_SECRET);
  });
});
