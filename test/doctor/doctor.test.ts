// `sentry-tg doctor` end to end through `main`: a healthy setup against the fakes passes, and
// each broken piece is named with its fix and makes the exit code 1.
import { sqliteOf } from '../helpers.js';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { samplePayload } from '../../src/commands/samples.js';
import { signBody } from '../../src/receive/verify.js';
import { CHAT_ID, runCli, startHealthy, TOPIC_ID, writeEnv, type Healthy } from './harness.js';

let h: Healthy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BOT_TOKEN_FIX = 'The bot token is wrong or revoked: get a new one from @BotFather.';
const CHAT_FIX = 'Check SENTRY_ALERT_CHAT_ID; add the bot to the chat and send /start to it first.';
const RIGHTS_FIX = 'Allow the bot to send messages in this chat (make it an administrator in channels).';
const SETUP_FIX = 'Run `sentry-tg setup` to register the receiver in Sentry';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('doctor on a healthy setup', () => {
  it('plugin mode: every check is ok or skipped and the exit code is 0', async () => {
    h = await startHealthy('plugin');
    const { code, report } = await h.doctor();
    expect(report.checks.filter((c) => c.status !== 'ok' && c.status !== 'skip')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      config: 'ok',
      'env-file-mode': 'ok',
      'project-scope': 'ok',
      'env-file-git': 'ok',
      'webhook-secret': 'ok',
      templates: 'ok',
      'telegram-token': 'ok',
      'telegram-chat': 'ok',
      'telegram-topic': 'skip',
      'sentry-token': 'ok',
      'sentry-scopes': 'ok',
      'sentry-project': 'ok',
      'sentry-webhook': 'ok',
      'sentry-rule': 'ok',
      'sentry-secret': 'skip',
      receiver: 'ok',
      'public-url': 'ok',
      database: 'ok',
      deliveries: 'ok',
    });
    expect(h.check(report.checks, 'sentry-webhook').detail).toBe(
      `the WebHooks plugin of acme/backend calls ${h.env.PUBLIC_URL}/api/sentry-webhook/<token>`,
    );
    expect(h.check(report.checks, 'telegram-chat').detail).toBe('"Alerts" (supergroup, forum), the bot is an administrator and may post');
  });

  it('integration mode with a topic: an alert Sentry sends arrives in the topic, then every check is ok', async () => {
    h = await startHealthy('integration', { topic: true });
    const data = (samplePayload('error').body as { data: unknown }).data;
    const delivery = await h.sentry.sendIntegrationWebhook(h.appSlug!, 'event_alert', 'triggered', data);
    expect(delivery.status).toBe(202);
    await h.tg.waitFor((tg) => tg.messagesIn(CHAT_ID, TOPIC_ID)[0]);
    // The dispatcher records the message right after Telegram answers.
    await h.tg.waitFor(() => sqliteOf(h!.receiver.store).stats().lastDeliveredAt);

    const { code, report } = await h.doctor();
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(code).toBe(0);
    expect(h.check(report.checks, 'sentry-webhook').detail).toBe(`internal integration "Telegram alerts" calls ${h.env.PUBLIC_URL}/api/sentry-webhook`);
    expect(h.check(report.checks, 'sentry-secret').detail).toBe('SENTRY_WEBHOOK_SECRET matches the client secret of "Telegram alerts"');
    expect(h.check(report.checks, 'telegram-topic').detail).toMatch(/^topic 7: alerts were delivered there \(last \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
    expect(h.check(report.checks, 'deliveries').detail).toMatch(/^no failures; last delivery /);
  });

  it('prints one line per check, fixes indented, and a summary', async () => {
    h = await startHealthy('plugin');
    const { code, stdout } = await runCli(h.dir, ['--env-file', h.envFile, 'doctor', '--telegram-token', '123456789:WRONG-token-for-tests-0000000000000']);
    expect(code).toBe(1);
    expect(stdout).toContain('✔ Configuration: ');
    expect(stdout).toContain(`✖ Telegram bot token: Telegram answered 401 Unauthorized\n    → ${BOT_TOKEN_FIX}\n`);
    expect(stdout).toContain('› Telegram chat: skipped, needs a working bot token\n');
    expect(stdout).toMatch(/\n✖ Doctor: \d+ ok, \d+ warning\(s\), 1 failed, \d+ skipped\n$/);
  });
});

describe('doctor --json', () => {
  it('prints only {ok, checks} with id, title, status, detail and fix', async () => {
    h = await startHealthy('plugin');
    const { stdout, report } = await h.doctor(['--chat-id', '-1009999999999']);
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['ok', 'checks']);
    expect(report.ok).toBe(false);
    expect(report.checks.length).toBe(19);
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(c.fix === undefined ? ['detail', 'id', 'status', 'title'] : ['detail', 'fix', 'id', 'status', 'title']);
      expect(['ok', 'warn', 'fail', 'skip']).toContain(c.status);
    }
  });
});

describe('doctor names each broken piece with its fix', () => {
  it('bad bot token', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--telegram-token', '123456789:WRONG-token-for-tests-0000000000000']);
    expect(h.check(report.checks, 'telegram-token')).toMatchObject({ status: 'fail', detail: 'Telegram answered 401 Unauthorized', fix: BOT_TOKEN_FIX });
    expect(code).toBe(1);
  });

  it('chat not found', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--chat-id', '-1009999999999']);
    expect(h.check(report.checks, 'telegram-chat')).toEqual({
      id: 'telegram-chat',
      title: 'Telegram chat',
      status: 'fail',
      detail: 'chat -1009999999999: Telegram answered 400 Bad Request: chat not found',
      fix: CHAT_FIX,
    });
    expect(code).toBe(1);
  });

  it('bot not allowed to post (restricted)', async () => {
    h = await startHealthy();
    h.tg.updateChat(CHAT_ID, { botStatus: 'restricted', canSendMessages: false });
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'telegram-chat')).toMatchObject({
      status: 'fail',
      detail: '"Alerts" (supergroup, forum): the bot may not post here (not enough rights to send text messages to the chat)',
      fix: RIGHTS_FIX,
    });
    expect(code).toBe(1);
  });

  it('bot kicked from the group', async () => {
    h = await startHealthy();
    h.tg.updateChat(CHAT_ID, { botStatus: 'kicked' });
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'telegram-chat')).toMatchObject({
      status: 'fail',
      detail: '"Alerts" (supergroup, forum): the bot may not post here (bot was kicked from the supergroup chat)',
      fix: 'The bot was removed from the chat: add it back.',
    });
    expect(code).toBe(1);
  });

  it('bot a plain member of a channel', async () => {
    h = await startHealthy();
    h.tg.addChat({ id: -1002222222222, type: 'channel', title: 'News', botStatus: 'member' });
    const { code, report } = await h.doctor(['--chat-id', '-1002222222222']);
    expect(h.check(report.checks, 'telegram-chat')).toMatchObject({
      status: 'fail',
      detail: '"News" (channel): the bot may not post here (need administrator rights in the channel chat)',
      fix: RIGHTS_FIX,
    });
    expect(code).toBe(1);
  });

  it('topic in a forum: a warning that names test-send, until an alert was delivered there', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--topic-id', String(TOPIC_ID)]);
    expect(h.check(report.checks, 'telegram-topic')).toMatchObject({
      status: 'warn',
      detail: 'topic 7 in "Alerts" (supergroup, forum): cannot be verified without posting (the Bot API cannot look topics up)',
      fix: 'Run `sentry-tg test-send` to post a sample alert into it',
    });
    expect(code).toBe(0);
  });

  it('missing Sentry scope', async () => {
    h = await startHealthy();
    const weak = `sntryu_${'weak0123456789ab'.repeat(4)}`;
    h.sentry.addToken(weak, ['org:read']);
    const { code, report } = await h.doctor(['--sentry-token', weak]);
    expect(h.check(report.checks, 'sentry-scopes')).toMatchObject({
      status: 'fail',
      detail: 'the token lacks project:read, alerts:read (needed to read the project, read the WebHooks plugin, list alert rules)',
      fix: `Create a token with org:read, project:read, alerts:read at ${h.sentry.url}/settings/account/api/auth-tokens/ and set SENTRY_AUTH_TOKEN`,
    });
    expect(code).toBe(1);
  });

  it('invalid Sentry token', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--sentry-token', `sntryu_${'nope0123456789ab'.repeat(4)}`]);
    expect(h.check(report.checks, 'sentry-token')).toMatchObject({
      status: 'fail',
      fix: `the Sentry auth token is invalid or revoked: create a new one at ${h.sentry.url}/settings/account/api/auth-tokens/`,
    });
    expect(h.check(report.checks, 'sentry-rule')).toMatchObject({ status: 'skip', detail: 'needs a valid Sentry token' });
    expect(code).toBe(1);
  });

  it('project not found', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--project', 'nope']);
    expect(h.check(report.checks, 'sentry-project')).toMatchObject({ status: 'fail', fix: 'organisation/project not found: check the slug' });
    expect(code).toBe(1);
  });

  it('wrong webhook URL', async () => {
    h = await startHealthy();
    await h.api.setWebhookUrls('acme', 'backend', ['https://old.example.com/api/sentry-webhook/abcdef']);
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'sentry-webhook')).toEqual({
      id: 'sentry-webhook',
      title: 'Sentry webhook',
      status: 'fail',
      detail: `the WebHooks plugin calls https://old.example.com/api/sentry-webhook/<token>, not ${h.env.PUBLIC_URL}/api/sentry-webhook/<token>`,
      fix: `${SETUP_FIX}, or correct PUBLIC_URL if the receiver moved`,
    });
    expect(code).toBe(1);
  });

  it('webhook URL with a token from another secret', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--webhook-secret', 'another-secret-that-sentry-does-not-know']);
    expect(h.check(report.checks, 'sentry-webhook')).toMatchObject({
      status: 'fail',
      detail: `the WebHooks plugin calls ${h.env.PUBLIC_URL}/api/sentry-webhook/<token>, but its URL token does not match SENTRY_WEBHOOK_SECRET: the receiver will refuse Sentry with 401 Invalid signature`,
    });
    expect(code).toBe(1);
  });

  it('nothing registered in Sentry', async () => {
    h = await startHealthy();
    h.sentry.setPlugin('acme', 'backend', { enabled: false, urls: null });
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'sentry-webhook')).toMatchObject({
      status: 'fail',
      detail: `neither the WebHooks plugin nor an internal integration calls ${h.env.PUBLIC_URL}/api/sentry-webhook`,
      fix: SETUP_FIX,
    });
    expect(h.check(report.checks, 'sentry-rule').status).toBe('skip');
    expect(code).toBe(1);
  });

  it('no alert rule', async () => {
    h = await startHealthy();
    h.sentry.getRules('acme', 'backend').length = 0;
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'sentry-rule')).toEqual({
      id: 'sentry-rule',
      title: 'Sentry alert rule',
      status: 'fail',
      detail: 'no alert rule of acme/backend sends to the WebHooks plugin, so Sentry never calls the receiver',
      fix: 'Run `sentry-tg setup`, or in Sentry → Alerts → Create Alert → Issues add the action "Send a notification via webhooks"',
    });
    expect(code).toBe(1);
  });

  it('integration secret differs from ours', async () => {
    h = await startHealthy('integration');
    const { code, report } = await h.doctor(['--webhook-secret', 'not-the-client-secret-0123456789']);
    expect(h.check(report.checks, 'sentry-secret')).toMatchObject({
      status: 'fail',
      detail: 'SENTRY_WEBHOOK_SECRET differs from the client secret of "Telegram alerts": the receiver will refuse Sentry with 401 Invalid signature',
      fix: 'Copy the Client Secret from Sentry → Settings → Developer Settings → Telegram alerts into SENTRY_WEBHOOK_SECRET and restart `sentry-tg serve`',
    });
    expect(code).toBe(1);
  });

  it('integration secret no longer shown by Sentry: skipped, saying how to check', async () => {
    h = await startHealthy('integration');
    h.sentry.getSentryApp(h.appSlug!)!.secretVisible = false;
    const { code, report } = await h.doctor();
    const secret = h.check(report.checks, 'sentry-secret');
    expect(secret.status).toBe('skip');
    expect(secret.detail).toBe(
      'Sentry no longer shows the client secret of "Telegram alerts" (it does only during the integration\'s first day), so it cannot be compared',
    );
    expect(secret.fix).toBe(
      'To check by hand: send a test notification from the alert rule and watch the serve log; "401 Invalid signature" means the secrets differ. ' +
        'Then use "Rotate client secret" in Sentry → Settings → Developer Settings → Telegram alerts and put the new one in SENTRY_WEBHOOK_SECRET',
    );
    expect(code).toBe(0);
  });

  it('receiver down', async () => {
    h = await startHealthy();
    const port = await closedPort();
    const { code, report } = await h.doctor(['--port', String(port)]);
    expect(h.check(report.checks, 'receiver')).toMatchObject({
      status: 'fail',
      detail: `nothing answers http://127.0.0.1:${port}/health (ECONNREFUSED)`,
      fix: 'Start it with `sentry-tg serve` (or check HOST and PORT)',
    });
    expect(h.check(report.checks, 'public-url').status).toBe('skip');
    expect(code).toBe(1);
  });

  it('another program on the receiver port', async () => {
    h = await startHealthy();
    const other = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (other.address() as AddressInfo).port;
      const { code, report } = await h.doctor(['--port', String(port)]);
      expect(h.check(report.checks, 'receiver')).toMatchObject({
        status: 'fail',
        detail: `http://127.0.0.1:${port}: answered HTTP 404, not a sentry-tg /health`,
        fix: `Another program uses port ${port}: stop it, or run sentry-tg on another --port`,
      });
      expect(code).toBe(1);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('no PUBLIC_URL (a tunnel): the webhook check says what Sentry calls, the rule is still checked', async () => {
    h = await startHealthy();
    writeEnv(h.envFile, { ...h.env, PUBLIC_URL: undefined });
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'sentry-webhook')).toMatchObject({
      status: 'skip',
      detail: `PUBLIC_URL is not set, so the expected URL is unknown; the WebHooks plugin calls ${h.env.PUBLIC_URL}/api/sentry-webhook/<token>`,
    });
    expect(h.check(report.checks, 'sentry-rule').status).toBe('ok');
    expect(h.check(report.checks, 'public-url').status).toBe('skip');
    expect(code).toBe(0);
  });

  it('public URL not reachable', async () => {
    h = await startHealthy();
    const port = await closedPort();
    const { code, report } = await h.doctor(['--public-url', `http://127.0.0.1:${port}`]);
    expect(h.check(report.checks, 'public-url')).toMatchObject({
      status: 'fail',
      detail: `http://127.0.0.1:${port} is not reachable (ECONNREFUSED)`,
      fix: 'Start the tunnel or reverse proxy, or correct PUBLIC_URL',
    });
    expect(code).toBe(1);
  });

  it('public URL reaching another process', async () => {
    h = await startHealthy();
    const other = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', version: '0.1.0', uptimeSeconds: 86_400, webhookAuth: 'none' }));
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const { code, report } = await h.doctor(['--public-url', url]);
      const check = h.check(report.checks, 'public-url');
      expect(check.status).toBe('fail');
      expect(check.detail).toMatch(new RegExp(`^${url} reaches a different sentry-tg receiver \\(version 0\\.1\\.0, up 86400 s; local: version .*, up \\d+ s\\)$`));
      expect(check.fix).toBe(`Point the tunnel or proxy at ${h.env.PUBLIC_URL}, or stop the other receiver`);
      expect(code).toBe(1);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('.env readable by everyone', async () => {
    h = await startHealthy();
    chmodSync(h.envFile, 0o644);
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'env-file-mode')).toEqual({
      id: 'env-file-mode',
      title: '.env permissions',
      status: 'fail',
      detail: '.env holds the bot token and secrets but is readable by every user on this machine (mode 644)',
      fix: 'chmod 600 .env',
    });
    expect(code).toBe(1);
  });

  it('.env tracked by git', async () => {
    h = await startHealthy();
    await execa('git', ['init', '-q'], { cwd: h.dir });
    await execa('git', ['add', '.env'], { cwd: h.dir });
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'env-file-git')).toMatchObject({
      status: 'fail',
      detail: '.env is tracked by git: the bot token and secrets are in the repository',
      fix: 'git rm --cached .env && echo .env >> .gitignore, then rotate the bot token (@BotFather /revoke) and the secrets',
    });
    expect(code).toBe(1);
  });

  it('.env in a git repository, not tracked and not ignored: a warning', async () => {
    h = await startHealthy();
    await execa('git', ['init', '-q'], { cwd: h.dir });
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'env-file-git')).toMatchObject({ status: 'warn', fix: 'echo .env >> .gitignore' });
    expect(code).toBe(0);
    writeFileSync(join(h.dir, '.gitignore'), '.env\n');
    const again = await h.doctor();
    expect(h.check(again.report.checks, 'env-file-git')).toMatchObject({ status: 'ok', detail: '.env is not tracked by git' });
  });

  it('no webhook secret: a warning', async () => {
    h = await startHealthy();
    writeEnv(h.envFile, { ...h.env, SENTRY_WEBHOOK_SECRET: undefined });
    const { report } = await h.doctor();
    expect(h.check(report.checks, 'webhook-secret')).toMatchObject({
      status: 'warn',
      detail: 'SENTRY_WEBHOOK_SECRET is not set: the receiver accepts unsigned requests from anyone who can reach it',
    });
    // The running receiver still checks a secret: doctor notices the two disagree.
    expect(h.check(report.checks, 'receiver')).toMatchObject({ status: 'warn' });
  });

  it('undeliverable alerts in the store, nothing delivered since', async () => {
    h = await startHealthy();
    h.tg.updateChat(CHAT_ID, { botStatus: 'kicked' });
    const sample = samplePayload('error');
    const body = JSON.stringify(sample.body);
    const res = await fetch(`${h.env.PUBLIC_URL}/api/sentry-webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sentry-hook-resource': sample.resource!, 'sentry-hook-signature': signBody(h.secret, body) },
      body,
    });
    expect(res.status).toBe(202);
    await h.tg.waitFor(() => sqliteOf(h!.receiver.store).stats().parked);
    const { code, report } = await h.doctor();
    expect(h.check(report.checks, 'deliveries')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^1 alert\(s\) could not be delivered and none has been delivered since \(last at .* UTC: 403 Forbidden: bot was kicked from the supergroup chat\. The bot was removed from the chat: add it back\.\)$/,
      ),
    });
    expect(code).toBe(1);
  });
});

describe('doctor without a working configuration', () => {
  it('a bad --timeout is a usage error', async () => {
    h = await startHealthy();
    const { code, stderr } = await runCli(h.dir, ['--env-file', h.envFile, 'doctor', '--timeout', 'soon']);
    expect(code).toBe(1);
    expect(stderr).toBe('Error: --timeout must be a number of seconds, got "soon".\n');
  });

  it('an invalid value is a failed check, not a crash, and other checks still run', async () => {
    h = await startHealthy();
    const { code, report } = await h.doctor(['--port', 'abc']);
    expect(h.check(report.checks, 'config')).toMatchObject({ status: 'fail', detail: '--port must be a whole number from 0 to 65535, got "abc"' });
    expect(h.check(report.checks, 'telegram-token').status).toBe('ok');
    expect(code).toBe(1);
  });

  it('a named .env that does not exist and nothing set: every missing piece is named, Sentry is skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentry-tg-doctor-empty-'));
    try {
      const port = await closedPort();
      const { code, stdout } = await runCli(dir, ['--env-file', join(dir, '.env'), 'doctor', '--json', '--port', String(port), '--data-dir', join(dir, 'data')]);
      const report = JSON.parse(stdout) as { ok: boolean; checks: { id: string; status: string; detail: string }[] };
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId.config).toMatchObject({
        status: 'fail',
        detail: `env file ${join(dir, '.env')} does not exist; SENTRY_ALERT_TELEGRAM_TOKEN is not set (or pass --telegram-token); SENTRY_ALERT_CHAT_ID is not set (or pass --chat-id)`,
      });
      expect(byId['sentry-token']).toMatchObject({ status: 'skip', detail: 'SENTRY_AUTH_TOKEN is not set, so Sentry cannot be checked' });
      expect(byId.deliveries).toMatchObject({ status: 'skip' });
      expect(code).toBe(1);
      // Doctor never creates the database.
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
