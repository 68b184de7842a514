// Resolve / Archive / Unresolve buttons end to end: the real receiver reads presses from the
// fake Telegram by long polling, changes the issue in the fake Sentry (exact PUT bodies) and
// edits the message; refusals and errors leave everything as it was.
import { sqliteOf } from '../helpers.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPIRED } from '../../src/act/press.js';
import { CHAT, eventAlert, issueUrl, issueWebhook, ORG, settle, snapshot, startRig, STRANGER, ANN, type Rig } from './harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

/** An issue in the fake Sentry and its first alert in Telegram. */
async function alertFor(issueId: string) {
  rig.sentry.addIssue(ORG, { id: issueId, project: 'web' });
  await rig.post(eventAlert(issueId), 'event_alert');
  return rig.message(`broken ${issueId}`);
}

const TIME = '\\d\\d:\\d\\d UTC';

describe('each button', () => {
  it('Resolve: Sentry gets {status: resolved}, the message says who and when, the buttons switch', async () => {
    const msg = await alertFor('101');
    expect(msg.replyMarkup?.inline_keyboard).toEqual([
      [
        { text: 'Resolve', callback_data: expect.stringMatching(/^a:[A-Za-z0-9_-]{10}:r$/) },
        { text: 'Archive ▾', callback_data: expect.stringMatching(/^a:[A-Za-z0-9_-]{10}:am$/) },
        { text: 'Open in Sentry', url: issueUrl('101') },
      ],
    ]);

    const answer = await rig.press(msg, 'Resolve');
    expect(answer).toMatchObject({ text: 'Resolved in Sentry ✅', showAlert: false });
    expect(rig.sentry.issueUpdates).toEqual([{ org: ORG, issueId: '101', body: { status: 'resolved' }, raw: '{"status":"resolved"}', status: 200 }]);
    expect(rig.sentry.state.issues.get(`${ORG}/101`)?.status).toBe('resolved');

    await rig.tg.waitFor(() => msg.text.includes('✅ Resolved by @jane'));
    expect(msg.text).toMatch(new RegExp(`\\n\\n✅ Resolved by @jane · ${TIME}\\n\\n🔗 View in Sentry$`));
    expect(rig.labels(msg)).toEqual(['Unresolve', 'Open in Sentry']);
    expect(rig.tg.messagesIn(CHAT)).toHaveLength(1);

    await rig.press(msg, 'Unresolve', ANN);
    await rig.tg.waitFor(() => msg.text.includes('🔄 Unresolved by Ann'));
    expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'resolved' }, { status: 'unresolved' }]);
    expect(rig.sentry.state.issues.get(`${ORG}/101`)).toMatchObject({ status: 'unresolved', substatus: 'ongoing' });
    expect(msg.text).not.toContain('Resolved by @jane');
    expect(rig.labels(msg)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
  });

  it('Archive ▾ opens the durations and ← Back closes them, without calling Sentry', async () => {
    const msg = await alertFor('102');
    const text = msg.text;
    expect(await rig.press(msg, 'Archive ▾')).toMatchObject({ showAlert: false });
    await rig.tg.waitFor(() => rig.labels(msg).includes('1 h'));
    expect(rig.labels(msg)).toEqual(['1 h', '24 h', 'Until escalating', 'Forever', '← Back']);
    await rig.press(msg, '← Back');
    await rig.tg.waitFor(() => rig.labels(msg).includes('Resolve'));
    expect(rig.labels(msg)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
    expect(msg.text).toBe(text);
    expect(rig.sentry.issueUpdates).toEqual([]);
  });

  it.each([
    ['1 h', { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreDuration: 60 } }, '🔕 Archived for 1 h by @jane'],
    ['24 h', { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreDuration: 1440 } }, '🔕 Archived for 24 h by @jane'],
    ['Until escalating', { status: 'ignored', substatus: 'archived_until_escalating' }, '🔕 Archived until escalating by @jane'],
    ['Forever', { status: 'ignored', substatus: 'archived_forever' }, '🔕 Archived forever by @jane'],
  ])('Archive %s: the exact body, the line, then Unarchive', async (label, body, line) => {
    const msg = await alertFor('103');
    await rig.press(msg, 'Archive ▾');
    await rig.tg.waitFor(() => rig.labels(msg).includes(label));
    const answer = await rig.press(msg, label);
    expect(answer.text).toMatch(/^Archived .* in Sentry 🔕$/);
    expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([body]);
    expect(rig.sentry.state.issues.get(`${ORG}/103`)).toMatchObject({ status: 'ignored', substatus: body.substatus });

    await rig.tg.waitFor(() => msg.text.includes(line));
    expect(msg.text).toMatch(new RegExp(`${line} · ${TIME}`));
    expect(rig.labels(msg)).toEqual(['Unarchive', 'Open in Sentry']);

    await rig.press(msg, 'Unarchive');
    await rig.tg.waitFor(() => msg.text.includes('🔄 Unarchived by @jane'));
    expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([body, { status: 'unresolved' }]);
    expect(rig.labels(msg)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
  });
});

describe('refusals and failures change nothing', () => {
  it('a user not in SENTRY_TG_ALLOWED_USERS is told so; no PUT, the message is untouched', async () => {
    const msg = await alertFor('201');
    const before = snapshot(msg);
    const answer = await rig.press(msg, 'Resolve', STRANGER);
    expect(answer.text).toBe('Not allowed: your Telegram user id is not in SENTRY_TG_ALLOWED_USERS. (Your id: 6666.)');
    expect(answer.showAlert).toBe(true);
    const menu = await rig.press(msg, 'Archive ▾', STRANGER);
    expect(menu.text).toMatch(/^Not allowed/);
    await settle();
    expect(rig.sentry.issueUpdates).toEqual([]);
    expect(rig.sentry.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(snapshot(msg)).toEqual(before);
    expect(rig.tg.callsTo('editMessageText').concat(rig.tg.callsTo('editMessageReplyMarkup'))).toEqual([]);
  });

  it('Sentry refuses (token without event:write): the presser sees why, the message stays', async () => {
    const msg = await alertFor('202');
    const before = snapshot(msg);
    rig.sentry.failNext(/\/issues\/202\/$/, 403, { detail: 'You do not have permission to perform this action.' }, { method: 'PUT' });
    const answer = await rig.press(msg, 'Resolve');
    expect(answer.showAlert).toBe(true);
    expect(answer.text).toMatch(/^Could not resolve in Sentry: the Sentry auth token lacks the "event:write" scope needed to change the issue/);
    expect(answer.text!.length).toBeLessThanOrEqual(200);
    await settle();
    expect(rig.sentry.state.issues.get(`${ORG}/202`)?.status).toBe('unresolved');
    expect(snapshot(msg)).toEqual(before);
    expect(rig.tg.callsTo('editMessageText')).toEqual([]);
  });

  it('the issue is gone from Sentry (404): the answer says so', async () => {
    const msg = await alertFor('203');
    rig.sentry.state.issues.delete(`${ORG}/203`);
    const answer = await rig.press(msg, 'Resolve');
    expect(answer.text).toBe('Could not resolve in Sentry: issue not found: it may have been deleted or merged, or the organisation slug is wrong');
    await settle();
    expect(msg.text).not.toContain('Resolved');
  });

  it('a button whose key the store does not know is answered, nothing else happens', async () => {
    const msg = await alertFor('204');
    const update = rig.tg.pushCallbackQuery({ chatId: CHAT, messageId: msg.messageId, data: 'a:ZZZZZZZZZZ:r', from: { id: 5001 } });
    const id = (update.callback_query as { id: string }).id;
    const answer = await rig.tg.waitFor((t) => t.callbackAnswers.find((a) => a.callbackQueryId === id));
    expect(answer.text).toBe(EXPIRED);
    expect(rig.sentry.issueUpdates).toEqual([]);
  });
});

describe('one message per issue', () => {
  it('the message was deleted: a press still resolves, and the issue gets a new message with the state', async () => {
    const msg = await alertFor('301');
    const data = rig.buttonData(msg, 'Resolve');
    await fetch(`${rig.tg.url}/bot${rig.tg.token}/deleteMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: CHAT, message_id: msg.messageId }),
    });
    expect(rig.tg.messagesIn(CHAT)).toHaveLength(0);
    rig.tg.pushCallbackQuery({ chatId: CHAT, messageId: msg.messageId, data, from: { id: 5001, username: 'jane', first_name: 'Jane' } });
    const fresh = await rig.message('✅ Resolved by @jane');
    expect(fresh.messageId).not.toBe(msg.messageId);
    expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'resolved' }]);
    expect(rig.labels(fresh)).toEqual(['Unresolve', 'Open in Sentry']);

    // The map follows the new message: the next webhook and the next press land there.
    await rig.post(eventAlert('301'), 'event_alert');
    const regression = await rig.message('🔁 Regressed');
    expect(regression.replyTo).toBe(fresh.messageId);
    await rig.press(regression, 'Resolve');
    await rig.tg.waitFor(() => regression.text.includes('✅ Resolved by @jane'));
  });

  it('an issue.resolved webhook edits the same message; issue.assigned and issue.created too', async () => {
    const msg = await alertFor('302');
    await rig.post(issueWebhook('created', '302'), 'issue');
    await rig.post(issueWebhook('assigned', '302', { actor: 'Jane Doe', data: { assignee: { type: 'user', id: '7', name: 'Ann Lee' } } }), 'issue');
    await rig.tg.waitFor(() => msg.text.includes('👤 Assigned to: Ann Lee'));
    await rig.post(issueWebhook('resolved', '302', { actor: 'Jane Doe', data: { resolution_type: 'resolved' } }), 'issue');
    await rig.tg.waitFor(() => msg.text.includes('✅ Resolved in Sentry by Jane Doe'));
    expect(msg.text).toMatch(new RegExp(`✅ Resolved in Sentry by Jane Doe · ${TIME}\\n👤 Assigned to: Ann Lee`));
    expect(rig.labels(msg)).toEqual(['Unresolve', 'Open in Sentry']);
    expect(rig.tg.messagesIn(CHAT)).toHaveLength(1);
    await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).stats().pending === 0);
    expect(sqliteOf(rig.receiver.store).stats()).toMatchObject({ parked: 0, muted: 0 });

    // Sentry confirming what the message already says costs no Telegram call.
    const edits = msg.edits;
    await rig.post(issueWebhook('resolved', '302', { actor: 'Jane Doe' }), 'issue');
    await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).stats().pending === 0);
    await settle();
    expect(msg.edits).toBe(edits);
  });

  it('issue.created first: the later event alert edits that message instead of posting', async () => {
    await rig.post(issueWebhook('created', '303'), 'issue');
    const msg = await rig.message('SENTRY ISSUE CREATED');
    expect(rig.labels(msg)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
    await rig.post(eventAlert('303'), 'event_alert');
    await rig.tg.waitFor(() => msg.text.startsWith('❌ SENTRY ALERT'));
    expect(msg.text).toContain('🌍 Environment: production');
    expect(msg.text).not.toContain('Seen');
    expect(rig.tg.messagesIn(CHAT)).toHaveLength(1);
  });

  it('resolved, then regressed: a new message replies to the old one and takes the buttons', async () => {
    const first = await alertFor('304');
    await rig.press(first, 'Resolve');
    await rig.tg.waitFor(() => first.text.includes('✅ Resolved by @jane'));

    await rig.post(eventAlert('304'), 'event_alert');
    const second = await rig.message('🔁 Regressed: a new event after it was resolved');
    expect(second.messageId).not.toBe(first.messageId);
    expect(second.replyTo).toBe(first.messageId);
    expect(rig.labels(second)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
    await rig.tg.waitFor(() => first.replyMarkup === undefined);
    expect(first.text).toContain('✅ Resolved by @jane');

    // Repeats now count on the new message; an old button (if a client still shows it) is dead.
    await rig.post(eventAlert('304'), 'event_alert');
    await rig.tg.waitFor(() => second.text.includes('🔁 Seen 2 times here'));
    expect(rig.tg.messagesIn(CHAT)).toHaveLength(2);

    await rig.press(second, 'Resolve');
    await rig.tg.waitFor(() => second.text.includes('✅ Resolved by @jane'));
    expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'resolved' }, { status: 'resolved' }]);
  });

  it('issue.unresolved after issue.resolved is a regression too', async () => {
    const first = await alertFor('305');
    await rig.post(issueWebhook('resolved', '305', { actor: 'Jane Doe' }), 'issue');
    await rig.tg.waitFor(() => first.text.includes('✅ Resolved in Sentry by Jane Doe'));
    await rig.post(issueWebhook('unresolved', '305', { actor: 'Ann Lee' }), 'issue');
    const second = await rig.message('🔁 Regressed: unresolved in Sentry by Ann Lee');
    expect(second.replyTo).toBe(first.messageId);
    expect(second.text).toContain('broken 305');
    expect(rig.labels(second)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
    await rig.tg.waitFor(() => first.replyMarkup === undefined);
    expect(first.text).toContain('✅ Resolved in Sentry by Jane Doe');
  });
});

describe('without write-back', () => {
  it('no allowed users: only the link button, and issue webhooks still keep the message in sync', async () => {
    await rig.receiver.close();
    await rig.start({ allowedUsers: [] });
    await rig.post(eventAlert('401'), 'event_alert');
    const msg = await rig.message('broken 401');
    expect(msg.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'View in Sentry', url: issueUrl('401') }]] });
    await rig.post(issueWebhook('ignored', '401', { actor: 'Jane Doe', issue: { statusDetails: {}, substatus: 'archived_forever' } }), 'issue');
    await rig.tg.waitFor(() => msg.text.includes('🔕 Archived in Sentry (forever) by Jane Doe'));
    expect(msg.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'View in Sentry', url: issueUrl('401') }]] });

    // Turned on later: the message gets its buttons with its next change, and they work.
    await rig.receiver.close();
    await rig.start();
    rig.sentry.addIssue(ORG, { id: '401', project: 'web', status: 'ignored', substatus: 'archived_forever' });
    await rig.post(issueWebhook('assigned', '401', { data: { assignee: { type: 'user', id: '7', name: 'Ann Lee' } } }), 'issue');
    await rig.tg.waitFor(() => msg.text.includes('👤 Assigned to: Ann Lee'));
    expect(rig.labels(msg)).toEqual(['Unarchive', 'Open in Sentry']);
    await rig.press(msg, 'Unarchive');
    await rig.tg.waitFor(() => msg.text.includes('🔄 Unarchived by @jane'));
    expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'unresolved' }]);
  });
});
