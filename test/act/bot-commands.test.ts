// Bot commands end to end through the receiver's update loop: /chatid, /status, /mute and
// /unmute (with an alert held back and counted), /help; strangers elsewhere are ignored.
import { sqliteOf } from '../helpers.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_COMMANDS } from '../../src/act/command-parse.js';
import type { FakeMessage, TgUser } from '../fakes/telegram.js';
import { ANN, CHAT, eventAlert, issueUrl, issueWebhook, JANE, settle, startRig, STRANGER, type Rig } from './harness.js';
import { connectionOf } from '../../src/store/testing.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

/** Types `text` in `chatId`; resolves with the bot's reply to it. */
async function command(chatId: number, text: string, from: Partial<TgUser> = JANE, threadId?: number): Promise<FakeMessage> {
  const update = rig.tg.pushMessage(chatId, text, { from, ...(threadId !== undefined ? { threadId } : {}) });
  const id = (update.message as { message_id: number }).message_id;
  return rig.tg.waitFor((t) => t.messagesIn(chatId).find((m) => m.replyTo === id));
}

/** Types `text` and waits until the receiver has read it (the fake drops confirmed updates). */
async function typeAndWait(chatId: number, text: string, from: Partial<TgUser>): Promise<void> {
  const update = rig.tg.pushMessage(chatId, text, { from });
  await rig.tg.waitFor((t) => !t.pendingUpdates.some((u) => u.update_id === update.update_id));
  await settle(200);
}

describe('registration', () => {
  it('the commands are registered with setMyCommands at start', async () => {
    await rig.tg.waitFor((t) => t.callsTo('setMyCommands').length > 0);
    const res = await fetch(`${rig.tg.url}/bot${rig.tg.token}/getMyCommands`, { method: 'POST' });
    expect(((await res.json()) as { result: unknown }).result).toEqual(BOT_COMMANDS);
    // A long poll is recorded once answered: an update ends it.
    await command(CHAT, '/help');
    expect(rig.tg.callsTo('getUpdates')[0]!.params).toMatchObject({ allowed_updates: ['message', 'callback_query'], timeout: 25 });
  });
});

describe('/chatid', () => {
  it('in the alert chat, from anyone there: the chat id and the asker’s user id', async () => {
    const reply = await command(CHAT, '/chatid', STRANGER);
    expect(reply.text).toBe(`Chat id: ${CHAT}\nYour user id: ${STRANGER.id}`);
    expect(reply.entities.filter((e) => e.type === 'code')).toHaveLength(2);
  });

  it('in a forum topic, addressed as /chatid@bot: the topic id too, answered in the topic', async () => {
    rig.tg.updateChat(CHAT, { isForum: true, topics: [7] });
    const reply = await command(CHAT, `/chatid@${rig.tg.botUsername}`, ANN, 7);
    expect(reply.text).toBe(`Chat id: ${CHAT}\nTopic id: 7\nYour user id: ${ANN.id}`);
    expect(reply.threadId).toBe(7);
  });

  it('from an allow-listed user in a private chat: answered', async () => {
    const reply = await command(JANE.id!, '/chatid', JANE);
    expect(reply.text).toContain(`Chat id: ${JANE.id}`);
  });

  it('from a stranger in another chat, or addressed to another bot: ignored', async () => {
    await typeAndWait(STRANGER.id!, '/chatid', STRANGER);
    await typeAndWait(STRANGER.id!, '/status', STRANGER);
    await typeAndWait(CHAT, '/status@some_other_bot', JANE);
    expect(rig.tg.messagesIn(STRANGER.id!)).toEqual([]);
    expect(rig.tg.messagesIn(CHAT)).toEqual([]);
    expect(rig.tg.callsTo('sendMessage')).toEqual([]);
  });
});

describe('/status and /help', () => {
  it('/status: queue, last delivery, undeliverable count and the last reason', async () => {
    await rig.post(eventAlert('601'), 'event_alert');
    await rig.message('broken 601');
    rig.tg.failNext('sendMessage', { status: 403, description: 'Forbidden: bot was kicked from the supergroup chat' });
    await rig.post(eventAlert('602'), 'event_alert');
    await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).stats().parked === 1);
    const reply = await command(CHAT, '/status');
    const lines = reply.text.split('\n');
    expect(lines[0]).toMatch(/^sentry-tg \S+ · ⚠️ degraded$/);
    expect(lines).toContain('Waiting: 0');
    expect(lines.find((l) => l.startsWith('Last delivery: '))).toMatch(/^Last delivery: \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(lines).toContain(
      'Undeliverable: 1 · last reason: 403 Forbidden: bot was kicked from the supergroup chat. The bot was removed from the chat: add it back.',
    );
    expect(lines).toContain('Muted alerts: 0');
    expect(lines).toContain('Buttons: on');
  });

  it('/help lists the commands; /start is left to setup, which answers it', async () => {
    const help = await command(CHAT, '/help');
    for (const c of BOT_COMMANDS) expect(help.text).toContain(`/${c.command} — ${c.description}`);
    await typeAndWait(JANE.id!, '/start', JANE);
    await typeAndWait(CHAT, '/start', JANE);
    expect(rig.tg.messagesIn(JANE.id!)).toEqual([]);
    expect(rig.tg.messagesIn(CHAT)).toEqual([help]);
  });
});

describe('/mute and /unmute', () => {
  it('a muted issue’s alerts are not posted but counted; /unmute ends it', async () => {
    await rig.post(issueWebhook('created', '701'), 'issue');
    const msg = await rig.message('SENTRY ISSUE CREATED');
    const before = msg.text;

    const muted = await command(CHAT, '/mute WEB-701 2h');
    expect(muted.text).toMatch(/^🔕 Muted WEB-701 in this chat for 2 h \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\. Its alerts are counted but not posted; \/unmute WEB-701 ends it\.$/);

    await rig.post(eventAlert('701'), 'event_alert');
    await rig.post(eventAlert('701'), 'event_alert');
    await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).stats().muted === 2);
    expect(sqliteOf(rig.receiver.store).stats().pending).toBe(0);
    await settle();
    expect(rig.tg.messagesIn(CHAT).filter((m) => m.replyTo === undefined)).toEqual([msg]);
    expect(msg.text).toBe(before);
    // Muted rows point at the issue's message, so nothing is unaccounted for.
    const rows = connectionOf(rig.receiver.store).prepare(`SELECT state, message_id AS messageId FROM outbox WHERE state = 'muted'`).all();
    expect(rows).toEqual([
      { state: 'muted', messageId: msg.messageId },
      { state: 'muted', messageId: msg.messageId },
    ]);

    const status = await command(CHAT, '/status');
    expect(status.text).toContain('Muted alerts: 2');
    expect(status.text).toMatch(/Active mutes: WEB-701 until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    // A lifecycle change while muted still edits the message (edits are silent).
    await rig.post(issueWebhook('resolved', '701', { actor: 'Jane Doe' }), 'issue');
    await rig.tg.waitFor(() => msg.text.includes('✅ Resolved in Sentry by Jane Doe'));

    const unmuted = await command(CHAT, '/unmute WEB-701');
    expect(unmuted.text).toBe('🔔 Unmuted WEB-701 (2 alerts were held back while muted).');
    expect(sqliteOf(rig.receiver.store).activeMutes(Date.now())).toEqual([]);

    await rig.post(eventAlert('701'), 'event_alert');
    const regression = await rig.message('🔁 Regressed');
    expect(regression.replyTo).toBe(msg.messageId);

    const again = await command(CHAT, '/unmute WEB-701');
    expect(again.text).toBe('WEB-701 was not muted here.');
  });

  it('by issue link from a private chat: mutes the alert chat; as a reply to an alert: that issue', async () => {
    const link = await command(JANE.id!, `/mute ${issueUrl('702')} 30m`);
    expect(link.text).toMatch(/^🔕 Muted issue 702 in the alert chat for 30 min/);
    await rig.post(eventAlert('702'), 'event_alert');
    await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).stats().muted === 1);
    expect(rig.tg.messagesIn(CHAT)).toEqual([]);

    await rig.post(eventAlert('703'), 'event_alert');
    const alert = await rig.message('broken 703');
    const update = rig.tg.pushUpdate({
      message: {
        message_id: 9001,
        date: Math.floor(Date.now() / 1000),
        chat: { id: CHAT, type: 'supergroup', title: 'Alerts' },
        from: { id: JANE.id, is_bot: false, first_name: 'Jane', username: 'jane' },
        text: '/mute 1h',
        reply_to_message: { message_id: alert.messageId, date: alert.date, chat: { id: CHAT, type: 'supergroup' } },
      },
    });
    expect(update.update_id).toBeGreaterThan(0);
    const reply = await rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => m.text.startsWith('🔕 Muted')));
    expect(reply.text).toMatch(/^🔕 Muted issue 703 in this chat for 1 h/);
    await rig.post(eventAlert('703'), 'event_alert');
    await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).stats().muted === 2);
    expect(alert.text).not.toContain('Seen');
  });

  it('only allow-listed users may mute; bad arguments get the usage', async () => {
    const refused = await command(CHAT, '/mute WEB-9 2h', STRANGER);
    expect(refused.text).toBe('Only users listed in SENTRY_TG_ALLOWED_USERS can mute or unmute alerts.');
    expect(sqliteOf(rig.receiver.store).activeMutes(Date.now())).toEqual([]);
    const usage = await command(CHAT, '/mute WEB-9 forever');
    expect(usage.text).toMatch(/^Usage: \/mute /);
    expect(sqliteOf(rig.receiver.store).activeMutes(Date.now())).toEqual([]);
  });
});
