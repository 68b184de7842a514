// Every kind of message in Russian through the real dispatcher, with production pacing and storm
// settings, against the fake Telegram enforcing its real limits (HTML rules, 4096 characters,
// 1/s per chat, 20 a minute per group) on a virtual clock: each kind as its own message, a
// digest, an issue message with its Russian buttons and repeat counter, and an alert so long
// it must be shortened. Promise: Telegram accepts every one of them, no 429, no plain-text
// fallback, and each reads in Russian.
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_KINDS, samplePayload } from '../../src/commands/samples.js';
import { accept, startStormRig, stormAlert, type StormRig } from './storm-rig.js';

const GROUP = -1001230000077;
const CYRILLIC = /[А-Яа-яЁё]/;

let rig: StormRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function acceptSample(r: StormRig, kind: (typeof SAMPLE_KINDS)[number]) {
  const sample = samplePayload(kind, { now: r.now() });
  return r.intake.accept({ body: Buffer.from(JSON.stringify(sample.body)), parsed: sample.body, resource: sample.resource, requestId: undefined });
}

describe('SENTRY_TG_LOCALE=ru under real Telegram limits', () => {
  it('every sample kind, a digest, buttons, a repeat counter and an over-long alert: all accepted, all in Russian', async () => {
    rig = await startStormRig(GROUP, { locale: 'ru', actions: { org: 'acme' } });
    const r = rig;
    r.tg.addChat({ id: GROUP, type: 'supergroup', title: 'Дежурные' });

    // One kind every 5 virtual seconds: slower than the group's 20 a minute, so each goes alone.
    for (const kind of SAMPLE_KINDS) {
      expect((await acceptSample(r, kind)).id).not.toBeNull();
      await r.runUntil(() => false, 5_000);
    }
    await r.runUntil(() => r.store.stats().pending === 0, 60_000);
    const singles = r.tg.messagesIn(GROUP).length;
    expect(singles).toBe(SAMPLE_KINDS.length);

    // A backlog of distinct alerts at once: storm control sends a digest.
    for (let n = 0; n < 8; n++) await accept(r.intake, stormAlert(n, n));
    // An over-long alert: the title alone is over Telegram's 4096.
    const long = stormAlert(50, 50);
    long.data.event.title = `Storm#50# ${'Очень длинное сообщение об ошибке. '.repeat(200)}`;
    await accept(r.intake, long);
    await r.runUntil(() => r.store.stats().pending === 0, 5 * 60_000);
    // Three alerts of one new issue: its message shows the counter in the right plural form.
    await r.runUntil(() => false, 60_000);
    for (let k = 0; k < 3; k++) await accept(r.intake, stormAlert(60, 100 + k));
    await r.runUntil(() => r.store.stats().pending === 0, 5 * 60_000);
    await r.runUntil(() => false, 10_000);

    const messages = r.tg.messagesIn(GROUP);
    const calls = r.tg.calls.filter((c) => String(c.params.chat_id) === String(GROUP));
    expect(r.tg.rateLimited).toBe(0);
    expect(calls.map((c) => c.status).filter((s) => s !== 200)).toEqual([]);
    // Nothing fell back to plain text: every message went out as HTML.
    for (const m of messages) expect(m.parseMode, m.text.slice(0, 60)).toBe('HTML');
    for (const m of messages) expect(m.text, m.text.slice(0, 60)).toMatch(CYRILLIC);
    for (const m of messages) expect(m.text).not.toMatch(/View in Sentry|SENTRY ALERT|SENTRY DIGEST|Seen \d+ times/);

    const digest = messages.find((m) => m.text.startsWith('📚 СВОДКА SENTRY · '));
    expect(digest?.text).toMatch(/^📚 СВОДКА SENTRY · \d+ алерт(а|ов)?\n/);
    const longMsg = messages.find((m) => m.text.includes('Storm#50#'));
    expect(longMsg).toBeDefined();
    expect(longMsg!.text.length).toBeLessThanOrEqual(4096);
    expect(longMsg!.text).toContain('…');
    const repeated = messages.find((m) => m.text.includes('Storm#60#'));
    expect(repeated?.text).toMatch(/🔁 Повторилось 3 раза · последний раз \d\d:\d\d UTC/);
    expect((repeated?.replyMarkup?.inline_keyboard ?? []).flat().map((b) => b.text)).toEqual(['✅ Решено', 'Архивировать ▾', 'Открыть в Sentry']);
  }, 120_000);
});
