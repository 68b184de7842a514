// Bot answers and press edits share the alerts' per-chat pacing. A burst of commands and a
// button press land in a supergroup in the middle of an alert storm, with the fake Telegram
// enforcing its real limits and the dispatcher on production settings (virtual clock): no 429,
// every command answered, the press shown, every alert accounted for.
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startActing, type Acting } from '../../src/act/act.js';
import { silentLogger } from '../../src/log/logger.js';
import { createSentryApi } from '../../src/sentry/api.js';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry.js';
import { accept, logTimeline, shownCounts, startStormRig, stormAlert, type StormRig } from '../deliver/storm-rig.js';
import { ALLOWED, JANE, ORG, SENTRY_TOKEN } from './harness.js';

const GROUP = -1001230000002;

let rig: StormRig | undefined;
let sentry: FakeSentry | undefined;
let acting: Acting | undefined;
afterEach(async () => {
  await acting?.stop();
  await rig?.close();
  await sentry?.close();
  acting = rig = sentry = undefined;
});

describe('command answers and press edits are paced with the alerts', () => {
  it('a burst of commands and a press during a storm, real limits: 0 × 429, all answered and shown', async () => {
    sentry = await startFakeSentry();
    sentry.addToken(SENTRY_TOKEN, ['event:write', 'org:read', 'project:read']);
    sentry.addOrg(ORG);
    sentry.addProject(ORG, 'web');
    // The press is answered within a virtual second; a long TTL keeps a loaded machine from
    // turning a slow real millisecond into an expired query.
    rig = await startStormRig(GROUP, { actions: { org: ORG }, fake: { callbackQueryTtlMs: 600_000 } });
    const r = rig;
    r.tg.addChat({ id: GROUP, type: 'supergroup', title: 'Ops' });
    acting = startActing({
      telegram: r.telegram,
      store: asyncStore(r.store),
      dispatcher: r.dispatcher,
      sentry: createSentryApi({ baseUrl: sentry.url, token: SENTRY_TOKEN }),
      buttonsOff: null,
      chatId: String(GROUP),
      allowedUsers: ALLOWED,
      botUsername: () => r.tg.botUsername,
      status: () => ({
        version: 'test', health: 'ok', pending: r.store.stats().pending, oldestPendingAt: null, lastDeliveredAt: null,
        undeliverable: 0, lastUndeliverableReason: null, muted: 0, unrouted: 0, outOfScope: 0, mutes: [], telegramReachable: true,
      }),
      logger: silentLogger(),
      now: r.now,
    });

    // Issue 0 comes first and gets its own message with buttons; then the storm: 12 issues,
    // 3 alerts each, 6 a virtual second.
    sentry.addIssue(ORG, { id: '7000', project: 'web' });
    const accepted = new Map<number, number>([[0, 1]]);
    let seq = 0;
    await accept(r.intake, stormAlert(0, seq++));
    await r.runUntil(() => r.tg.messagesIn(GROUP).length > 0, 10_000);
    const first = r.tg.messagesIn(GROUP)[0]!;
    expect(first.text).toContain('Storm#0#');
    const resolveData = (first.replyMarkup?.inline_keyboard ?? []).flat().find((b) => b.text === 'Resolve')?.callback_data;
    expect(resolveData).toBeDefined();
    // Ten commands in a row and a press on the first alert come in the middle of the storm.
    const commands = ['/status', '/chatid', '/help', '/status', '/mute FRONT-END-9 1h', '/chatid', '/help', '/unmute FRONT-END-9', '/status', '/chatid'];
    let asked: number[] = [];
    for (let wave = 0; wave < 80; wave++) {
      if (wave === 10) asked = commands.map((text) => (r.tg.pushMessage(GROUP, text, { from: JANE }).message as { message_id: number }).message_id);
      if (wave === 12) r.tg.pushCallbackQuery({ chatId: GROUP, messageId: first.messageId, data: resolveData!, from: JANE });
      const batch = Array.from({ length: 6 }, (_, k) => (wave * 6 + k) % 12);
      const results = await Promise.all(batch.map((n) => accept(r.intake, stormAlert(n, seq++))));
      batch.forEach((n, k) => results[k]!.id !== null && accepted.set(n, (accepted.get(n) ?? 0) + 1));
      for (let t = 0; t < 1000; t += r.stepMs) await r.tick();
    }

    const answered = () => asked.every((id) => r.tg.messagesIn(GROUP).some((m) => m.replyTo === id));
    const drained = await r.runUntil(
      () => answered() && r.store.stats().pending === 0 && first.text.includes('Resolved') && r.tg.callbackAnswers.length === 1,
      15 * 60_000,
    );

    const inGroup = r.tg.calls.filter((c) => String(c.params.chat_id) === String(GROUP));
    console.log(
      `commands + press + storm: ${inGroup.length} calls into the group (${asked.length} answers, ` +
        `${r.tg.callsTo('editMessageText').length} edits), 429s: ${r.tg.rateLimited}`,
    );
    logTimeline(inGroup);
    expect(drained).toBe(true);
    expect(r.tg.rateLimited).toBe(0);
    expect(inGroup.every((c) => c.status === 200)).toBe(true);
    // The group was at (or, on a loaded machine, near) its limit; the answers took turns within it.
    const busiest = Math.max(...inGroup.map((c) => inGroup.filter((d) => d.atMs >= c.atMs && d.atMs < c.atMs + 60_000).length));
    expect(busiest).toBeGreaterThanOrEqual(18);
    expect(busiest).toBeLessThanOrEqual(20);
    expect(r.tg.callbackAnswers[0]).toMatchObject({ text: expect.stringContaining('Resolved') });
    expect(sentry.issueUpdates.map((u) => u.body)).toEqual([{ status: 'resolved' }]);
    const shown = shownCounts(r.tg.messagesIn(GROUP).filter((m) => m.replyTo === undefined || !asked.includes(m.replyTo)));
    expect(new Map([...shown].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...accepted].sort((a, b) => a[0] - b[0])));
  }, 120_000);
});
