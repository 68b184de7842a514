// `sentry-tg test-send` against the fake Telegram: every kind is delivered (and passes the fake's
// strict HTML check), --dry-run needs no token, and Telegram's errors become doctor's hints.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_KINDS, samplePayload } from '../../src/commands/samples.js';
import { testSendCommand } from '../../src/commands/test-send.js';
import type { Loaded } from '../../src/config/load.js';
import type { Settings } from '../../src/config/options.js';
import { normalise } from '../../src/normalise/normalise.js';
import { FAKE_TOKEN, startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { fakeContext, runCli } from './harness.js';

const GROUP = -1001234567890;
const TOPIC = 7;
const FAST = { privateGapMs: 0, groupPerMinute: 100_000, globalPerSecond: 10_000 };

let tg: FakeTelegram;
let dir: string;

beforeEach(async () => {
  tg = await startFakeTelegram({
    limits: false,
    chats: [{ id: GROUP, type: 'supergroup', title: 'Alerts', isForum: true, topics: [TOPIC], botStatus: 'administrator' }],
  });
  dir = mkdtempSync(join(tmpdir(), 'sentry-tg-test-send-'));
  // Named explicitly so nothing is read from the working directory of the test run.
  writeFileSync(join(dir, 'empty.env'), '', { mode: 0o600 });
});
afterEach(async () => {
  await tg.close();
  rmSync(dir, { recursive: true, force: true });
});

function send(args: string[]) {
  return runCli(dir, [
    '--env-file', join(dir, 'empty.env'),
    'test-send',
    '--telegram-token', FAKE_TOKEN,
    '--chat-id', String(GROUP),
    '--telegram-api-root', tg.url,
    '--data-dir', join(dir, 'data'),
    ...args,
  ]);
}

const ERROR_TEXT = [
  '❌ SENTRY ALERT',
  '',
  'ERROR: ZeroDivisionError: division by zero (test alert from sentry-tg)',
  '',
  '📍 Location: secure_api.py:155 in trigger_error',
  '',
  '🗂 Project: sentry-tg-sample',
  '🌍 Environment: production',
  '📦 Release: sentry-tg-sample@1.0.0',
  '🔔 Rule: Send a notification for new issues',
  '',
  '🔗 View in Sentry',
].join('\n');

describe('test-send', () => {
  it('delivers the error sample and prints its message id', async () => {
    const { code, stdout, stderr } = await send(['--kind', 'error']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [msg] = tg.messagesIn(GROUP);
    expect(msg).toBeDefined();
    expect(stdout).toBe(`✔ error: sent to chat ${GROUP} as message ${msg!.messageId}\n`);
    expect(msg!.text).toBe(ERROR_TEXT);
    expect(msg!.parseMode).toBe('HTML');
    expect(msg!.html).toMatch(/<a href="https:\/\/sentry\.io\/organizations\/example-org\/issues\/\d+\/events\/[0-9a-f]{32}\/">View in Sentry<\/a>$/);
    expect(msg!.replyMarkup).toMatchObject({ inline_keyboard: [[{ text: 'View in Sentry' }]] });
    // The receiver's data directory is never touched: test-send uses an in-memory outbox.
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('sends into the configured topic', async () => {
    const { code, stdout } = await send(['--kind', 'fatal', '--topic-id', String(TOPIC)]);
    expect(code).toBe(0);
    const [msg] = tg.messagesIn(GROUP, TOPIC);
    expect(stdout).toBe(`✔ fatal: sent to chat ${GROUP} topic ${TOPIC} as message ${msg!.messageId}\n`);
  });

  it('a topic that does not exist: delivered to the General topic, with a warning', async () => {
    const { code, stdout } = await send(['--kind', 'error', '--topic-id', '99']);
    expect(code).toBe(0);
    expect(tg.messagesIn(GROUP)).toHaveLength(1);
    expect(tg.messages[0]!.threadId).toBeUndefined();
    expect(stdout).toContain('!     topic 99 was not found, so it went to the General topic: fix SENTRY_ALERT_TOPIC_ID\n');
  });

  it('delivers every kind, each accepted by the fake HTML validation, in order', async () => {
    const { ctx, stdout } = fakeContext(dir);
    const loaded = {
      settings: { telegramToken: FAKE_TOKEN, chatId: String(GROUP), telegramApiRoot: tg.url } as Settings,
      sources: {},
      envFileFound: false,
      envFile: { path: '.env', explicit: false },
      problems: [],
    } satisfies Loaded;
    const code = await testSendCommand(ctx, loaded, { all: true }, { pacing: FAST });
    expect(code).toBe(0);
    const messages = tg.messagesIn(GROUP);
    expect(messages).toHaveLength(SAMPLE_KINDS.length);
    // No call was refused (a refused HTML would show as a 400 and a plain-text resend).
    expect(tg.callsTo('sendMessage').map((c) => c.status)).toEqual(SAMPLE_KINDS.map(() => 200));
    for (const msg of messages) expect(msg.parseMode).toBe('HTML');
    const lines = stdout().trim().split('\n');
    expect(lines).toEqual(SAMPLE_KINDS.map((kind, i) => `✔ ${kind}: sent to chat ${GROUP} as message ${messages[i]!.messageId}`));
    // Each message says it is a test.
    for (const msg of messages) expect(msg.text).toMatch(/test alert from sentry-tg|sentry_tg_test/);
  });

  it('--dry-run needs no token and prints the message', async () => {
    const { code, stdout } = await runCli(dir, ['--env-file', join(dir, 'empty.env'), 'test-send', '--dry-run']);
    expect(code).toBe(0);
    expect(stdout).toContain('› error (event_alert): the message would read:\n');
    expect(stdout).toContain(ERROR_TEXT.replace('🔗 View in Sentry', '🔗 View in Sentry: https://sentry.io/organizations/example-org/issues/'));
    expect(stdout).not.toContain('<b>');
    expect(tg.calls).toHaveLength(0);
  });

  it('--dry-run --all --debug prints every kind and its HTML', async () => {
    const { code, stdout } = await runCli(dir, ['--env-file', join(dir, 'empty.env'), '--debug', 'test-send', '--dry-run', '--all']);
    expect(code).toBe(0);
    for (const kind of SAMPLE_KINDS) expect(stdout).toContain(`› ${kind} (`);
    expect(stdout).toContain('HTML sent to Telegram:\n❌ <b>SENTRY ALERT</b>');
  });

  it('an unknown --kind is refused with the list of kinds', async () => {
    const { code, stderr } = await send(['--kind', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toBe(`Error: Unknown kind "nope".\nChoose one of: ${SAMPLE_KINDS.join(', ')} (or --all).\n`);
    expect(tg.calls).toHaveLength(0);
  });

  it.each([
    ['a wrong token', ['--telegram-token', '123456789:WRONG-token-for-tests-0000000000000'], 'Telegram answered 401 Unauthorized', 'The bot token is wrong or revoked: get a new one from @BotFather.'],
    ['an unknown chat', ['--chat-id', '-1009999999999'], 'Telegram answered 400 Bad Request: chat not found', 'Check SENTRY_ALERT_CHAT_ID; add the bot to the chat and send /start to it first.'],
  ])('%s: the same hint as doctor, exit code 1', async (_name, args, reason, hint) => {
    const { code, stdout } = await send(['--kind', 'error', ...args]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^✖ error: not sent to chat -100\\d+: ${reason.replace(/[()]/g, '\\$&')}\n    → ${hint.replace(/[.()]/g, '\\$&')}\n$`));
  });

  it('the bot kicked from the group: the hint doctor gives, and --all stops at the first such failure', async () => {
    tg.updateChat(GROUP, { botStatus: 'kicked' });
    const { code, stdout } = await send(['--all']);
    expect(code).toBe(1);
    expect(stdout).toBe(
      [
        // Issue 10, point 10: --all says why it takes a while in a group.
        `› Sending ${SAMPLE_KINDS.length} alerts: Telegram allows a group about 20 messages a minute, so this takes about ${Math.round(((SAMPLE_KINDS.length - 1) * 60) / 20)} s.`,
        `✖ error: not sent to chat ${GROUP}: Telegram answered 403 Forbidden: bot was kicked from the supergroup chat`,
        '    → The bot was removed from the chat: add it back.',
        `› skipped ${SAMPLE_KINDS.slice(1).join(', ')}`,
        '',
      ].join('\n'),
    );
  });

  it('Telegram unreachable: gives up after --timeout with the network hint', async () => {
    tg.setDown(true);
    const started = Date.now();
    const { code, stdout } = await send(['--kind', 'error', '--timeout', '1']);
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stdout).toContain(`✖ error: not sent to chat ${GROUP}: Telegram sendMessage did not complete`);
    expect(stdout).toContain(`    → Check the network, and TELEGRAM_API_ROOT (${tg.url}) if you use a proxy or a local Bot API server.\n`);
  });
});

describe('samples', () => {
  it('differ in ids on every call, so repeated test-sends are not duplicates', () => {
    for (const kind of SAMPLE_KINDS) {
      const a = normalise(samplePayload(kind));
      const b = normalise(samplePayload(kind));
      if (a.dedupKey !== null) expect(a.dedupKey).not.toBe(b.dedupKey);
    }
  });

  it('are reproducible with a fixed nonce and clock', () => {
    const opts = { now: Date.parse('2025-01-02T03:04:05Z'), nonce: 'fixed' };
    expect(samplePayload('metric-critical', opts)).toEqual(samplePayload('metric-critical', opts));
  });

  it('normalise to the kind of alert they stand for', () => {
    const kinds = Object.fromEntries(SAMPLE_KINDS.map((k) => [k, normalise(samplePayload(k)).kind]));
    expect(kinds).toEqual({
      error: 'event',
      fatal: 'event',
      warning: 'event',
      info: 'event',
      'metric-critical': 'metric',
      'metric-warning': 'metric',
      'metric-resolved': 'metric',
      'issue-created': 'issue',
      'issue-resolved': 'issue',
      'issue-assigned': 'issue',
      'issue-archived': 'issue',
      comment: 'comment',
      seer: 'seer',
      unknown: 'unknown',
    });
    const levels = ['error', 'fatal', 'warning', 'info'].map((k) => normalise(samplePayload(k as 'error')).level);
    expect(levels).toEqual(['error', 'fatal', 'warning', 'info']);
  });
});
