// Bot commands as pure functions: parsing what was typed and the text of the answers.
import { describe, expect, it } from 'vitest';
import { chatIdText, helpText, statusText, type StatusView } from '../../src/act/bot-commands.js';
import { MUTE_USAGE, parseCommand, parseDuration, parseIssueRef, parseMute, parseUnmute, UNMUTE_USAGE } from '../../src/act/command-parse.js';

describe('parseCommand', () => {
  it.each([
    ['/status', { name: 'status', args: [] }],
    ['/STATUS', { name: 'status', args: [] }],
    ['/status@sentry_tg_test_bot', { name: 'status', args: [] }],
    ['/status@Sentry_TG_Test_Bot', { name: 'status', args: [] }],
    ['/mute FRONT-END-9   2h', { name: 'mute', args: ['FRONT-END-9', '2h'] }],
    ['/mute@sentry_tg_test_bot FRONT-END-9 2h', { name: 'mute', args: ['FRONT-END-9', '2h'] }],
    ['  /help  ', { name: 'help', args: [] }],
    ['/status@other_bot', null],
    ['status', null],
    ['hello /status', null],
    ['', null],
    [undefined, null],
  ])('%j → %j', (text, expected) => {
    expect(parseCommand(text, 'sentry_tg_test_bot')).toEqual(expected);
  });

  it('accepts any @bot while our own name is unknown (getMe has not answered)', () => {
    expect(parseCommand('/status@whoever', null)).toEqual({ name: 'status', args: [] });
  });
});

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * 60_000, '30 min'],
    ['90min', 90 * 60_000, '90 min'],
    ['2h', 2 * 3_600_000, '2 h'],
    ['2 hours', 2 * 3_600_000, '2 h'],
    ['1d', 86_400_000, '1 d'],
    ['1w', 7 * 86_400_000, '1 w'],
    ['30d', 30 * 86_400_000, '30 d'],
  ])('%s', (raw, ms, text) => {
    expect(parseDuration(raw)).toEqual({ ms, text });
  });

  it.each(['0m', '31d', '5 fortnights', 'soon', '2', '-1h', 'h'])('%s is refused', (raw) => {
    expect(parseDuration(raw)).toBeNull();
  });
});

describe('parseIssueRef', () => {
  it.each([
    ['FRONT-END-9', { issueId: null, shortId: 'FRONT-END-9', label: 'FRONT-END-9' }],
    ['front-end-9', { issueId: null, shortId: 'FRONT-END-9', label: 'FRONT-END-9' }],
    ['1170820242', { issueId: '1170820242', shortId: null, label: 'issue 1170820242' }],
    ['https://acme.sentry.io/issues/1170820242/?project=1', { issueId: '1170820242', shortId: null, label: 'issue 1170820242' }],
    ['https://sentry.io/organizations/acme/issues/77/events/abc/', { issueId: '77', shortId: null, label: 'issue 77' }],
    ['<https://sentry.io/organizations/acme/issues/77/>', { issueId: '77', shortId: null, label: 'issue 77' }],
  ])('%s', (raw, ref) => {
    expect(parseIssueRef(raw)).toEqual(ref);
  });

  it.each(['https://sentry.io/organizations/acme/projects/', 'hello', '12-34', '-', 'ftp://x/issues/1/'])('%s is not an issue', (raw) => {
    expect(parseIssueRef(raw)).toBeNull();
  });
});

describe('parseMute / parseUnmute', () => {
  const replied = { issueId: '42', shortId: 'WEB-7', label: 'WEB-7' };
  it.each([
    [['WEB-7', '2h'], null, { ref: { issueId: null, shortId: 'WEB-7', label: 'WEB-7' }, duration: { ms: 7_200_000, text: '2 h' } }],
    [['2h', 'WEB-7'], null, { ref: { issueId: null, shortId: 'WEB-7', label: 'WEB-7' }, duration: { ms: 7_200_000, text: '2 h' } }],
    [['30m'], replied, { ref: replied, duration: { ms: 1_800_000, text: '30 min' } }],
    [['30m'], null, { error: MUTE_USAGE }],
    [['WEB-7'], null, { error: MUTE_USAGE }],
    [['WEB-7', 'forever'], null, { error: MUTE_USAGE }],
    [[], replied, { error: MUTE_USAGE }],
  ])('/mute %j (reply: %j)', (args, reply, expected) => {
    expect(parseMute(args, reply)).toEqual(expected);
  });

  it.each([
    [['WEB-7'], null, { issueId: null, shortId: 'WEB-7', label: 'WEB-7' }],
    [[], replied, replied],
    [[], null, { error: UNMUTE_USAGE }],
    [['what'], null, { error: UNMUTE_USAGE }],
  ])('/unmute %j (reply: %j)', (args, reply, expected) => {
    expect(parseUnmute(args, reply)).toEqual(expected);
  });
});

describe('answers', () => {
  it('/chatid in a forum topic, in the General topic, in a plain group', () => {
    const from = { id: 424242, is_bot: false, first_name: 'Ann' };
    const forum = { id: -1001, type: 'supergroup' as const, is_forum: true };
    expect(chatIdText({ chat: forum, from, message_thread_id: 7, is_topic_message: true })).toBe(
      'Chat id: <code>-1001</code>\nTopic id: <code>7</code>\nYour user id: <code>424242</code>',
    );
    expect(chatIdText({ chat: forum, from })).toBe(
      'Chat id: <code>-1001</code>\nTopic: General (leave SENTRY_ALERT_TOPIC_ID empty)\nYour user id: <code>424242</code>',
    );
    // A reply chain in a plain group also has a message_thread_id: it is not a topic.
    expect(chatIdText({ chat: { id: -5, type: 'group' }, from, message_thread_id: 3 })).toBe(
      'Chat id: <code>-5</code>\nYour user id: <code>424242</code>',
    );
  });

  const status: StatusView = {
    version: '0.1.0',
    health: 'degraded',
    pending: 2,
    oldestPendingAt: Date.UTC(2025, 0, 2, 14, 0),
    lastDeliveredAt: Date.UTC(2025, 0, 2, 14, 2),
    undeliverable: 1,
    lastUndeliverableReason: '403 Forbidden: bot was kicked <from> the chat',
    muted: 3,
    unrouted: 4,
    outOfScope: 5,
    mutes: [{ label: 'WEB-7', until: Date.UTC(2025, 0, 2, 16, 2) }],
    telegramReachable: true,
    updates: 'polling',
    buttonsOff: null,
  };

  it('/status', () => {
    expect(statusText(status)).toBe(
      [
        '<b>sentry-tg 0.1.0</b> · ⚠️ degraded',
        'Waiting: 2 (oldest since 2025-01-02 14:00 UTC)',
        'Last delivery: 2025-01-02 14:02 UTC',
        'Undeliverable: 1 · last reason: 403 Forbidden: bot was kicked &lt;from&gt; the chat',
        'Muted alerts: 3',
        'Matched no route: 4 · other projects: 5',
        'Active mutes: WEB-7 until 2025-01-02 16:02 UTC',
        'Telegram: reachable',
        'Buttons: on',
      ].join('\n'),
    );
  });

  it('/status of a quiet receiver with buttons off', () => {
    const quiet = { ...status, health: 'ok' as const, pending: 0, oldestPendingAt: null, lastDeliveredAt: null, undeliverable: 0, lastUndeliverableReason: null, muted: 0, unrouted: 0, outOfScope: 0, mutes: [], buttonsOff: 'set SENTRY_AUTH_TOKEN' };
    expect(statusText(quiet)).toBe(
      ['<b>sentry-tg 0.1.0</b> · ✅ ok', 'Waiting: 0', 'Last delivery: none yet', 'Undeliverable: 0', 'Muted alerts: 0', 'Matched no route: 0 · other projects: 0', 'Telegram: reachable', 'Buttons: off (set SENTRY_AUTH_TOKEN)'].join('\n'),
    );
  });

  it('/help lists every command and says who may act', () => {
    const on = helpText(null);
    for (const c of ['/chatid', '/status', '/mute', '/unmute', '/help']) expect(on).toContain(c);
    expect(on).toContain('SENTRY_TG_ALLOWED_USERS');
    expect(helpText('set SENTRY_ORG')).toContain('Resolve and Archive buttons are off: set SENTRY_ORG.');
  });
});
