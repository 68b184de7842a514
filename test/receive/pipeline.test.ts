// wirePipeline, the one wiring serve (startReceiver) and test-send share: what the intake commits
// reaches the chat it was routed to through the dispatcher, with the caller's clock.
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelegram } from '../../src/telegram/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { wirePipeline } from '../../src/pipeline/wire.js';
import { openStore } from '../../src/store/store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { fixture } from '../helpers.js';

const CHAT = -1001234500088;
let tg: FakeTelegram | null = null;
afterEach(async () => {
  await tg?.close();
  tg = null;
});

describe('wirePipeline', () => {
  it('an accepted webhook is committed with the given clock and delivered to its routed chat', async () => {
    tg = await startFakeTelegram();
    tg.addChat({ id: CHAT, type: 'supergroup', title: 'Alerts' });
    const store = openStore({ dataDir: '', filename: ':memory:' });
    const RECEIVED_AT = Date.now() - 1000;
    const p = wirePipeline({
      store: asyncStore(store),
      telegram: createTelegram({ apiRoot: tg.url, token: tg.token }),
      routeConfig: { chatId: String(CHAT) },
      logger: silentLogger(),
      now: () => RECEIVED_AT,
    });
    try {
      const parsed = fixture('event_alert.triggered.json');
      const accepted = await p.intake.accept({ body: Buffer.from(JSON.stringify(parsed)), parsed, resource: 'event_alert', requestId: undefined });
      expect(accepted).toMatchObject({ id: 1, duplicate: false });
      expect(store.pendingFor(String(CHAT), Date.now(), 10)).toMatchObject([{ id: 1, receivedAt: RECEIVED_AT, resource: 'event_alert' }]);
      p.dispatcher.start();
      const msg = await tg.waitFor((t) => t.messagesIn(CHAT)[0]);
      expect(msg.text.length).toBeGreaterThan(0);
      await vi.waitFor(() => expect(store.row(1)).toMatchObject({ state: 'sent', messageId: msg.messageId }));
      expect(p.storage.failure()).toBeNull();
    } finally {
      await p.dispatcher.stop();
      store.close();
    }
  });
});
