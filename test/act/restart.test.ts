// A restart in the middle of acting: the receiver stops while a press is being handled (its
// update not yet confirmed to Telegram), then starts again on the same data directory. No
// update is handled twice, and buttons of messages sent before the restart keep working.
import { sqliteOf } from '../helpers.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { OFFSET_KEY } from '../../src/act/updates.js';
import { CHAT, eventAlert, issueWebhook, ORG, settle, startRig, type Rig } from './harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

it('stopped while a press waits for Sentry: the press completes once, and everything works after the restart', async () => {
  rig.sentry.addIssue(ORG, { id: '801', project: 'web' });
  await rig.post(eventAlert('801'), 'event_alert');
  const msg = await rig.message('broken 801');

  // Sentry answers slowly: the receiver is told to stop while the PUT is in flight.
  rig.sentry.delayNext(/\/issues\/801\/$/, 700);
  const press = rig.tg.pushCallbackQuery({ chatId: CHAT, messageId: msg.messageId, data: rig.buttonData(msg, 'Resolve'), from: { id: 5001, username: 'jane', first_name: 'Jane' } });
  await rig.tg.waitFor((t) => t.callsTo('getUpdates').some((c) => JSON.stringify(c.response).includes(`"update_id":${press.update_id}`)));
  await settle(250); // the handler is now waiting for Sentry's answer (700 ms)
  expect(rig.sentry.issueUpdates).toEqual([]);
  await rig.receiver.close();

  // The press finished before the receiver stopped: answered, Sentry changed, message edited.
  expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'resolved' }]);
  expect(rig.tg.callbackAnswers.map((a) => a.text)).toEqual(['Resolved in Sentry ✅']);
  expect(msg.text).toContain('✅ Resolved by @jane');
  // Telegram was never told (no getUpdates after it); only our saved offset knows.
  expect(rig.tg.pendingUpdates.map((u) => u.update_id)).toContain(press.update_id);

  // While it is down: a command, and a webhook for the issue arrives at… nobody (Sentry would
  // retry nothing); the command waits at Telegram.
  const chatid = rig.tg.pushMessage(CHAT, '/chatid', { from: { id: 5002, first_name: 'Ann' } });

  await rig.start();
  const reply = await rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => m.replyTo === (chatid.message as { message_id: number }).message_id));
  expect(reply.text).toContain(`Chat id: ${CHAT}`);
  expect(rig.sentry.issueUpdates).toHaveLength(1);
  expect(rig.tg.callbackAnswers).toHaveLength(1);
  await rig.tg.waitFor(() => sqliteOf(rig.receiver.store).kvGet(OFFSET_KEY) === String(chatid.update_id + 1));

  // The message sent before the restart: its buttons still work, and webhooks still find it.
  await rig.press(msg, 'Unresolve');
  await rig.tg.waitFor(() => msg.text.includes('🔄 Unresolved by @jane'));
  expect(rig.sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'resolved' }, { status: 'unresolved' }]);
  await rig.post(issueWebhook('ignored', '801', { actor: 'Jane Doe' }), 'issue');
  await rig.tg.waitFor(() => msg.text.includes('🔕 Archived in Sentry'));
  expect(rig.labels(msg)).toEqual(['Unarchive', 'Open in Sentry']);
  expect(rig.tg.messagesIn(CHAT).filter((m) => m.replyTo === undefined)).toEqual([msg]);
});
