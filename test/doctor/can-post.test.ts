// Issue 10, point 5: doctor said the bot "may post" where it cannot. getChatMember cannot tell
// a private chat the user blocked or never started; a sendChatAction probe (posts nothing) is
// refused like a message, and each refusal is named with its fix.
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthy, type Healthy } from './harness.js';

let h: Healthy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const USER = 5550002;
const GROUP = -4001;
const SUPERGROUP = -1004001;

describe('doctor: can the bot post?', () => {
  it.each([
    ['blocked by the user', { id: USER, type: 'private', botStatus: 'kicked' }, /the user blocked the bot/, /Unblock the bot/],
    ['never started', { id: USER, type: 'private', botStatus: 'left' }, /the user never started the bot/, /press Start/],
  ] as const)('a private chat %s fails with its fix, and nothing is posted', async (_name, chat, detail, fix) => {
    h = await startHealthy('plugin');
    h.tg.addChat({ ...chat });
    const { report } = await h.doctor(['--chat-id', String(USER)]);
    const check = h.check(report.checks, 'telegram-chat');
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(detail);
    expect(check.fix).toMatch(fix);
    expect(h.tg.callsTo('sendChatAction').length).toBeGreaterThan(0);
    expect(h.tg.messagesIn(USER)).toHaveLength(0);
  });

  it('a private chat that works is ok, checked without posting', async () => {
    h = await startHealthy('plugin');
    h.tg.addChat({ id: USER, type: 'private' });
    const { report } = await h.doctor(['--chat-id', String(USER)]);
    expect(h.check(report.checks, 'telegram-chat').status).toBe('ok');
    expect(h.tg.messagesIn(USER)).toHaveLength(0);
  });

  it('a read-only group fails with "give the bot the right to send"', async () => {
    h = await startHealthy('plugin');
    h.tg.addChat({ id: GROUP, type: 'group', botStatus: 'member', canSendMessages: false });
    const { report } = await h.doctor(['--chat-id', String(GROUP)]);
    const check = h.check(report.checks, 'telegram-chat');
    expect(check.status).toBe('fail');
    expect(check.fix).toMatch(/send messages/);
  });

  it('a group upgraded to a supergroup names the new id', async () => {
    h = await startHealthy('plugin');
    h.tg.addChat({ id: GROUP, type: 'group' });
    h.tg.migrateGroup(GROUP, SUPERGROUP);
    const { report } = await h.doctor(['--chat-id', String(GROUP)]);
    const check = h.check(report.checks, 'telegram-chat');
    expect(check.status).toBe('fail');
    expect(check.fix).toBe(`Set SENTRY_ALERT_CHAT_ID=${SUPERGROUP}`);
  });
});
