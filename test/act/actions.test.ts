// The button vocabulary as pure functions: callback data, keyboards, the exact Sentry bodies,
// status lines, and what a press decides.
import { describe, expect, it } from 'vitest';
import { decidePress, EXPIRED, failureAnswer, sentryBody, type PressInput } from '../../src/act/press.js';
import { actionLine, callbackData, parseCallbackData, whoPressed, type SentryAction } from '../../src/issue/actions.js';
import { statusAfter } from '../../src/issue/state.js';
import { actionKeyboard } from '../../src/render/keyboard.js';
import type { CallbackRow } from '../../src/store/store.js';

const KEY = 'Ab3_-x9QzK';
const URL = 'https://sentry.io/organizations/acme/issues/42/';

describe('callback data', () => {
  it.each(['r', 'ur', 'am', 'a1', 'a24', 'ae', 'af', 'ua', 'b'] as const)('%s round-trips and fits in 64 bytes', (code) => {
    const data = callbackData(KEY, code);
    expect(data).toBe(`a:${KEY}:${code}`);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(parseCallbackData(data)).toEqual({ key: KEY, code });
  });

  it.each([
    ['', 'empty'],
    ['a:short:r', 'key too short'],
    [`a:${KEY}:zz`, 'unknown action'],
    [`b:${KEY}:r`, 'another prefix'],
    [`a:${KEY}:r:extra`, 'trailing parts'],
    [undefined, 'no data'],
  ])('%j is not ours (%s)', (data, _why) => {
    expect(parseCallbackData(data)).toBeNull();
  });

  it('refuses to build data with a malformed key', () => {
    expect(() => callbackData('bad key!', 'r')).toThrow(/bad callback key/);
  });
});

describe('keyboards', () => {
  const data = (code: string) => `a:${KEY}:${code}`;
  it.each([
    [
      'unresolved',
      'main',
      [[{ text: 'Resolve', callback_data: data('r') }, { text: 'Archive ▾', callback_data: data('am') }, { text: 'Open in Sentry', url: URL }]],
    ],
    ['resolved', 'main', [[{ text: 'Unresolve', callback_data: data('ur') }, { text: 'Open in Sentry', url: URL }]]],
    ['ignored', 'main', [[{ text: 'Unarchive', callback_data: data('ua') }, { text: 'Open in Sentry', url: URL }]]],
    [
      'unresolved',
      'archive',
      [
        [{ text: '1 h', callback_data: data('a1') }, { text: '24 h', callback_data: data('a24') }],
        [{ text: 'Until escalating', callback_data: data('ae') }, { text: 'Forever', callback_data: data('af') }],
        [{ text: '← Back', callback_data: data('b') }],
      ],
    ],
  ] as const)('%s, %s menu', (status, menu, expected) => {
    expect(actionKeyboard(status, KEY, URL, menu)).toEqual(expected);
  });

  it('without a link there is no Open button', () => {
    expect(actionKeyboard('unresolved', KEY, undefined).flat().map((b) => b.text)).toEqual(['Resolve', 'Archive ▾']);
  });
});

describe('what Sentry receives', () => {
  it.each([
    ['r', { status: 'resolved' }, 'resolved'],
    ['a1', { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreDuration: 60 } }, 'ignored'],
    ['a24', { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreDuration: 1440 } }, 'ignored'],
    ['ae', { status: 'ignored', substatus: 'archived_until_escalating' }, 'ignored'],
    ['af', { status: 'ignored', substatus: 'archived_forever' }, 'ignored'],
    ['ur', { status: 'unresolved' }, 'unresolved'],
    ['ua', { status: 'unresolved' }, 'unresolved'],
  ] as const)('%s → %j', (code, body, status) => {
    expect(sentryBody(code)).toEqual(body);
    expect(statusAfter(code)).toBe(status);
  });
});

describe('status lines and answers', () => {
  const at = Date.UTC(2025, 0, 2, 14, 2, 30);
  it.each([
    ['r', '✅ Resolved by @jane · 14:02 UTC'],
    ['a1', '🔕 Archived for 1 h by @jane · 14:02 UTC'],
    ['a24', '🔕 Archived for 24 h by @jane · 14:02 UTC'],
    ['ae', '🔕 Archived until escalating by @jane · 14:02 UTC'],
    ['af', '🔕 Archived forever by @jane · 14:02 UTC'],
    ['ur', '🔄 Unresolved by @jane · 14:02 UTC'],
    ['ua', '🔄 Unarchived by @jane · 14:02 UTC'],
  ] as const)('%s: %s', (code, line) => {
    expect(actionLine(code as SentryAction, '@jane', at)).toBe(line);
  });

  it.each([
    [{ id: 1, first_name: 'Jane', username: 'jane' }, '@jane'],
    [{ id: 1, first_name: 'Jane' }, 'Jane'],
    [{ id: 7, first_name: '  ' }, 'user 7'],
  ])('names %j as %s', (from, name) => {
    expect(whoPressed(from)).toBe(name);
  });

  it('a failure answer names the action and never exceeds 200 characters', () => {
    expect(failureAnswer('r', 'the Sentry auth token is invalid')).toBe('Could not resolve in Sentry: the Sentry auth token is invalid');
    const long = failureAnswer('a1', 'x'.repeat(500));
    expect(long).toHaveLength(200);
    // UTF-16 units, as Telegram counts: an emoji is two, and is never cut in half.
    const emoji = failureAnswer('r', '🔥'.repeat(200));
    expect(emoji.length).toBeLessThanOrEqual(200);
    expect(emoji).not.toMatch(/[\ud800-\udbff]…$/);
    expect(long.startsWith('Could not archive in Sentry: ')).toBe(true);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('deciding a press', () => {
  const cb: CallbackRow = { key: KEY, chatId: '-100500', messageId: 9, issueId: '42', org: 'acme', createdAt: 0 };
  const base: PressInput = {
    fromId: 11,
    allowedUsers: [11],
    data: `a:${KEY}:r`,
    callback: cb,
    chat: { id: -100500 },
    canWrite: true,
  };

  it.each<[string, Partial<PressInput>, unknown]>([
    ['an allowed user resolves', {}, { kind: 'sentry', callback: cb, code: 'r', body: { status: 'resolved' } }],
    ['archive opens the durations', { data: `a:${KEY}:am` }, { kind: 'menu', callback: cb, menu: 'archive' }],
    ['back closes them', { data: `a:${KEY}:b` }, { kind: 'menu', callback: cb, menu: 'main' }],
    [
      'a channel configured as @name',
      { chat: { id: -100777, username: 'Alerts' }, callback: { ...cb, chatId: '@alerts' } },
      { kind: 'sentry', callback: { ...cb, chatId: '@alerts' }, code: 'r', body: { status: 'resolved' } },
    ],
    ['a stranger', { fromId: 99 }, { kind: 'refuse', text: expect.stringMatching(/^Not allowed: .* \(Your id: 99\.\)$/), alert: true }],
    ['a stranger, even for the menu', { fromId: 99, data: `a:${KEY}:am` }, expect.objectContaining({ kind: 'refuse', alert: true })],
    ['nobody is allowed', { allowedUsers: [] }, expect.objectContaining({ kind: 'refuse', alert: true })],
    ['a key the store does not know', { callback: null }, { kind: 'refuse', text: EXPIRED, alert: false }],
    ['the key of another chat', { chat: { id: -1 } }, { kind: 'refuse', text: EXPIRED, alert: false }],
    ['no message in the query', { chat: undefined }, { kind: 'refuse', text: EXPIRED, alert: false }],
    ['data that is not ours', { data: 'hello' }, { kind: 'refuse', text: EXPIRED, alert: false }],
    ['write-back not configured', { canWrite: false }, { kind: 'refuse', text: expect.stringMatching(/SENTRY_AUTH_TOKEN/), alert: true }],
    ['write-back not configured, menu', { canWrite: false, data: `a:${KEY}:am` }, expect.objectContaining({ kind: 'refuse', alert: true })],
  ])('%s', (_name, over, expected) => {
    expect(decidePress({ ...base, ...over })).toEqual(expected);
  });
});
