// The dispatcher against the fake Telegram with faults injected. Real store, real client,
// real pacing (shortened so the suite stays quick).
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../../src/deliver/dispatcher.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { createTelegram } from '../../src/telegram/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { createIntake, type Intake } from '../../src/receive/intake.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { connectionOf } from '../../src/store/testing.js';

const PRIVATE = 4242;
const GROUP = -1009999;

let tg: FakeTelegram;
let store: Store;
let dispatcher: Dispatcher;
let seq = 0;

async function setup(over: Partial<DispatcherOptions> = {}, chatId: number | string = PRIVATE, topicId?: number) {
  const telegram = createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 400 });
  const status = createTelegramStatus();
  dispatcher = createDispatcher({
    store: asyncStore(store),
    telegram,
    logger: silentLogger(),
    status,
    pacing: { privateGapMs: 20, groupPerMinute: 3000, globalPerSecond: 1000 },
    backoff: { baseMs: 50, maxMs: 200 },
    ...over,
  });
  const intake = createIntake({
    store: asyncStore(store),
    routeConfig: { chatId: String(chatId), topicId },
    now: Date.now,
    onAccepted: (ids) => dispatcher.wake(ids),
  });
  dispatcher.start();
  return { intake, status };
}

/** An error event for issue `issue` (distinct event id each time). */
function eventPayload(issue: string, title = `Error in ${issue}`) {
  seq += 1;
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `evt${seq}`.padEnd(32, '0'),
        title,
        level: 'error',
        issue_id: issue,
        web_url: `https://sentry.io/organizations/acme/issues/${issue}/`,
        url: 'https://sentry.io/api/0/projects/acme/web/events/x/',
      },
      triggered_rule: 'rule',
    },
  };
}

async function accept(intake: Intake, payload: unknown, resource = 'event_alert') {
  const body = Buffer.from(JSON.stringify(payload));
  return intake.accept({ body, parsed: payload, resource, requestId: undefined });
}

function states() {
  return connectionOf(store).prepare(`SELECT state, COUNT(*) AS n FROM outbox GROUP BY state`).all() as { state: string; n: number }[];
}

beforeEach(async () => {
  tg = await startFakeTelegram({ limits: false });
  tg.addChat({ id: PRIVATE, type: 'private', firstName: 'Ops' });
  tg.addChat({ id: GROUP, type: 'supergroup', title: 'Ops' });
  store = openStore({ dataDir: '', filename: ':memory:' });
});
afterEach(async () => {
  await dispatcher?.stop(1000);
  store.close();
  await tg.close();
});

describe('transient failures are retried', () => {
  it('5xx bursts, connection resets and timeouts: delivered once they pass', async () => {
    const { intake } = await setup();
    tg.failNext('sendMessage', { status: 502, description: 'Bad Gateway' }, 2);
    tg.failNext('sendMessage', 'reset');
    tg.failNext('sendMessage', 'timeout');
    tg.failNext('sendMessage', 'html500');
    const { id } = await accept(intake, eventPayload('1'));
    await tg.waitFor(() => store.row(id!)?.state === 'sent', 10_000);
    const msg = tg.messagesIn(PRIVATE)[0]!;
    expect(msg.text).toContain('Error in 1');
    expect(store.row(id!)).toMatchObject({ state: 'sent', messageId: msg.messageId });
    const retries = connectionOf(store).prepare(`SELECT COUNT(*) AS n FROM attempts WHERE outcome = 'retry'`).get() as { n: number };
    expect(retries.n).toBe(5);
  });

  it('an outage of several seconds while webhooks keep arriving: every alert is accounted for', async () => {
    const { intake, status } = await setup({ backoff: { baseMs: 100, maxMs: 400 } });
    tg.setDown(true);
    for (let i = 0; i < 12; i++) await accept(intake, eventPayload(String(100 + (i % 4))));
    await new Promise((r) => setTimeout(r, 2500));
    expect(tg.messagesIn(PRIVATE)).toHaveLength(0);
    expect(status.snapshot().reachable).toBe(false);
    expect(store.stats().pending).toBe(12);
    tg.setDown(false);
    await tg.waitFor(() => store.stats().pending === 0, 10_000);
    expect(states()).toEqual(expect.arrayContaining([expect.objectContaining({ state: 'sent' })]));
    expect(store.stats().parked).toBe(0);
    // 4 issues, 3 alerts each: every alert is counted in its issue's message.
    const counts = tg.messagesIn(PRIVATE).map((m) => /Seen (\d+) times/.exec(m.text)?.[1] ?? '1');
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(12);
    expect(status.snapshot().reachable).toBe(true);
  });

  it('gives up after the configured time and parks the alert with the reason', async () => {
    const { intake } = await setup({ giveUpAfterMs: 300 });
    tg.setDown(true);
    const { id } = await accept(intake, eventPayload('2'));
    await tg.waitFor(() => store.row(id!)?.state === 'parked', 5000);
    expect(store.row(id!)!.lastError).toMatch(/gave up after .* of errors: Telegram sendMessage did not complete/);
    expect(store.stats()).toMatchObject({ parked: 1, pending: 0 });
  });
});

describe('429 Too Many Requests', () => {
  it('waits exactly retry_after for that chat while other chats keep flowing', async () => {
    const { intake } = await setup();
    const intake2 = createIntake({ store: asyncStore(store), routeConfig: { chatId: String(GROUP) }, now: Date.now, onAccepted: (ids) => dispatcher.wake(ids) });
    tg.setRetryAfter(PRIVATE, 2);
    const t0 = Date.now();
    await accept(intake, eventPayload('3'));
    await accept(intake2, eventPayload('4'));
    const other = await tg.waitFor((t) => t.messagesIn(GROUP)[0], 1500);
    expect(other.text).toContain('Error in 4');
    await tg.waitFor((t) => t.messagesIn(PRIVATE)[0], 5000);
    const elapsed = Date.now() - t0;
    await tg.waitFor(() => store.stats().pending === 0, 2000);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    // One refused call, then nothing until retry_after had passed: no hammering.
    const calls = tg.callsTo('sendMessage').filter((c) => String(c.params.chat_id) === String(PRIVATE));
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.atMs - calls[0]!.atMs).toBeGreaterThanOrEqual(1900);
  });

  it('with Telegram-like limits enforced, pacing keeps a burst free of 429s', async () => {
    await tg.close();
    tg = await startFakeTelegram(); // default limits: 1/s per chat with burst 3, 20/min per group
    tg.addChat({ id: PRIVATE, type: 'private', firstName: 'Ops' });
    const { intake } = await setup({ pacing: { privateGapMs: 1000, groupPerMinute: 20, globalPerSecond: 30 } });
    for (let i = 0; i < 4; i++) await accept(intake, eventPayload(`p${i}`));
    await tg.waitFor((t) => t.messagesIn(PRIVATE).length === 4, 8000);
    expect(tg.rateLimited).toBe(0);
  });
});

describe('errors retrying will not fix', () => {
  it('group upgraded to a supergroup: switches to the new id, remembers it, resends', async () => {
    tg.addChat({ id: -555, type: 'group', title: 'Old group' });
    tg.addChat({ id: -100555, type: 'supergroup', title: 'New group' });
    tg.migrateGroup(-555, -100555);
    const { intake } = await setup({}, -555);
    await accept(intake, eventPayload('5'));
    const msg = await tg.waitFor((t) => t.messagesIn(-100555)[0], 5000);
    expect(msg.text).toContain('Error in 5');
    expect(store.migratedTo('-555')).toBe('-100555');
    await accept(intake, eventPayload('6'));
    await tg.waitFor((t) => t.messagesIn(-100555)[1], 5000);
    // The second alert went straight to the new chat: only one refused call in total.
    expect(tg.callsTo('sendMessage').filter((c) => c.status === 400)).toHaveLength(1);
  });

  it('deleted forum topic: resends to the General topic', async () => {
    tg.addChat({ id: -100777, type: 'supergroup', isForum: true, topics: [7] });
    const { intake } = await setup({}, -100777, 99);
    await accept(intake, eventPayload('7'));
    const msg = await tg.waitFor((t) => t.messagesIn(-100777)[0], 5000);
    expect(msg.threadId).toBeUndefined();
    expect(tg.callsTo('sendMessage')[0]!.response).toMatchObject({ description: 'Bad Request: message thread not found' });
  });

  it('an existing topic is used', async () => {
    tg.addChat({ id: -100778, type: 'supergroup', isForum: true, topics: [7] });
    const { intake } = await setup({}, -100778, 7);
    await accept(intake, eventPayload('8'));
    const msg = await tg.waitFor((t) => t.messagesIn(-100778)[0], 5000);
    expect(msg.threadId).toBe(7);
  });

  it.each([
    ['blocked by the user', () => tg.updateChat(PRIVATE, { botStatus: 'kicked' }), /403 Forbidden: bot was blocked by the user/],
    ['bad token', () => tg.revokeToken(), /401 Unauthorized.*@BotFather/],
    ['chat not found', () => undefined, /chat not found.*send \/start/],
  ])('%s: parked with the reason, not retried', async (name, breakIt, reason) => {
    const chat = name === 'chat not found' ? 31337 : PRIVATE;
    const { intake } = await setup({}, chat);
    breakIt();
    const { id } = await accept(intake, eventPayload('9'));
    await tg.waitFor(() => store.row(id!)?.state === 'parked', 5000);
    expect(store.row(id!)!.lastError).toMatch(reason);
    expect(store.stats().lastParked?.reason).toMatch(reason);
    const callsBefore = tg.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.calls.length).toBe(callsBefore);
  });

  it('a refusal is an answer: after "chat not found" Telegram still counts as reachable, with the refusal as its last error', async () => {
    const { intake, status } = await setup({}, 31337);
    const { id } = await accept(intake, eventPayload('9'));
    await tg.waitFor(() => store.row(id!)?.state === 'parked', 5000);
    expect(status.snapshot()).toMatchObject({ reachable: true, failuresInARow: 0, lastError: { kind: 'answered 400' } });
  });

  it("can't parse entities: the alert goes out as plain text with the link spelled out", async () => {
    const { intake } = await setup();
    tg.failNext('sendMessage', { status: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3" });
    await accept(intake, eventPayload('10'));
    const msg = await tg.waitFor((t) => t.messagesIn(PRIVATE)[0], 5000);
    expect(msg.parseMode).toBeUndefined();
    expect(msg.text).toContain('ERROR: Error in 10');
    expect(msg.text).toContain('View in Sentry: https://sentry.io/organizations/acme/issues/10/');
  });
});

describe('storm control', () => {
  it('repeats of one issue update one message with a counter', async () => {
    const { intake } = await setup();
    const first = await accept(intake, eventPayload('42', 'KeyError: user'));
    await tg.waitFor((t) => t.messagesIn(PRIVATE)[0], 5000);
    for (let i = 0; i < 9; i++) await accept(intake, eventPayload('42', 'KeyError: user'));
    await tg.waitFor(() => store.stats().pending === 0, 5000);
    const msgs = tg.messagesIn(PRIVATE);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.text).toMatch(/🔁 Seen 10 times here · last \d\d:\d\d UTC/);
    expect(msgs[0]!.edits).toBeGreaterThanOrEqual(1);
    expect(store.row(first.id!)!.messageId).toBe(msgs[0]!.messageId);
  });

  it('a deleted message is replaced by a new one on the next repeat', async () => {
    const { intake } = await setup();
    await accept(intake, eventPayload('43'));
    const msg = await tg.waitFor((t) => t.messagesIn(PRIVATE)[0], 5000);
    await fetch(`${tg.url}/bot${tg.token}/deleteMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: PRIVATE, message_id: msg.messageId }),
    });
    await accept(intake, eventPayload('43'));
    const fresh = await tg.waitFor((t) => t.messagesIn(PRIVATE)[0], 5000);
    expect(fresh.messageId).not.toBe(msg.messageId);
    expect(fresh.text).toContain('Error in 43');
    await tg.waitFor(() => store.stats().pending === 0, 5000);
  });

  it('distinct alerts faster than the chat allows become digests; every alert is accounted for', async () => {
    const { intake } = await setup(
      { pacing: { privateGapMs: 20, groupPerMinute: 60, globalPerSecond: 1000 }, storm: { digestAfterMs: 2000 } },
      GROUP,
    );
    for (let i = 0; i < 40; i++) await accept(intake, eventPayload(`d${i}`));
    await tg.waitFor(() => store.stats().pending === 0, 15_000);
    const msgs = tg.messagesIn(GROUP);
    expect(msgs.length).toBeLessThanOrEqual(3);
    const digests = msgs.filter((m) => m.text.includes('SENTRY DIGEST'));
    expect(digests.length).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 40; i++) {
      expect(msgs.filter((m) => m.text.includes(`Error in d${i}\n`) || m.text.includes(`Error in d${i} `) || m.text.endsWith(`Error in d${i}`)).length).toBe(1);
    }
    expect(states()).toEqual([{ state: 'sent', n: 40 }]);
  });
});
