// Delivery reads the alert normalised at intake (stored with the row) instead of normalising
// the body again; a row stored before that column existed (alert null) is still delivered, by
// normalising its body. Real store, real client, the fake Telegram with its real limits and the
// dispatcher's default pacing.
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../src/deliver/dispatcher.js';
import { silentLogger } from '../../src/log/logger.js';
import { normalise } from '../../src/normalise/normalise.js';
import { openStore, type NewAlertRow, type Store } from '../../src/store/store.js';
import { createTelegram } from '../../src/telegram/client.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const CHAT = 4343;
let tg: FakeTelegram;
let store: Store;
let dispatcher: Dispatcher;

beforeEach(async () => {
  tg = await startFakeTelegram();
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Ann' });
  store = openStore({ dataDir: '', filename: ':memory:' });
  dispatcher = createDispatcher({
    store: asyncStore(store),
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
    logger: silentLogger(),
    status: createTelegramStatus(),
  });
});
afterEach(async () => {
  await dispatcher.stop();
  store.close();
  await tg.close();
});

function row(issue: string, title: string, alert?: (a: ReturnType<typeof normalise>) => string): NewAlertRow {
  const body = { action: 'triggered', data: { event: { event_id: `e${issue}`.padEnd(32, '0'), title, level: 'error', issue_id: issue }, triggered_rule: 'r' } };
  const normalised = normalise({ resource: 'event_alert', body });
  return {
    receivedAt: Date.now(), requestId: null, dedupKey: normalised.dedupKey, resource: 'event_alert', action: 'triggered',
    body: Buffer.from(JSON.stringify(body)), chatId: String(CHAT), threadId: null, groupKey: `issue:${issue}`,
    ...(alert ? { alert: alert(normalised) } : {}),
  };
}

describe('delivery reads the stored alert', () => {
  it('renders the alert stored with the row, not a second normalisation of the body', async () => {
    // The stored alert says something the body does not: only a read of the column shows it.
    const [{ id }] = store.acceptMany([row('71', 'TitleFromBody', (a) => JSON.stringify({ ...a, title: 'TitleFromStoredAlert' }))]);
    dispatcher.start();
    dispatcher.wake([String(CHAT)]);
    await tg.waitFor(() => store.row(id!)?.state === 'sent', 10_000);
    const text = tg.messagesIn(CHAT)[0]!.text;
    expect(text).toContain('TitleFromStoredAlert');
    expect(text).not.toContain('TitleFromBody');
  });

  it('still delivers a row stored without it (before schema 4), from its body', async () => {
    const [{ id }] = store.acceptMany([row('72', 'OldRowTitle')]);
    expect(store.content(id!)!.alert).toBeNull();
    dispatcher.start();
    dispatcher.wake([String(CHAT)]);
    await tg.waitFor(() => store.row(id!)?.state === 'sent', 10_000);
    expect(tg.messagesIn(CHAT)[0]!.text).toContain('OldRowTitle');
  });
});
