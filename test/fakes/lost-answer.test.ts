// The fake's "processed, answer lost" faults: the message is posted, the client hears nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from './telegram.js';

const CHAT = 777;
let tg: FakeTelegram;
afterEach(async () => {
  await tg.close();
});

function send(text: string, signal?: AbortSignal) {
  return fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chat_id: CHAT, text }),
    ...(signal ? { signal } : {}),
  });
}

describe('fake Telegram: lost answers', () => {
  it("'lost-answer': posted, recorded with the lost answer, and the request never completes", async () => {
    tg = await startFakeTelegram({ chats: [{ id: CHAT, type: 'private' }] });
    tg.failNext('sendMessage', 'lost-answer');
    await expect(send('held', AbortSignal.timeout(300))).rejects.toThrow(/aborted|timeout/i);
    expect(tg.messagesIn(CHAT).map((m) => m.text)).toEqual(['held']);
    const call = tg.callsTo('sendMessage')[0]!;
    expect(call).toMatchObject({ status: null, fault: 'lost-answer', response: { ok: true, result: { text: 'held' } } });
    // The next request is answered normally.
    expect((await send('next')).status).toBe(200);
  });

  it("'lost-answer-reset': posted, then the connection is reset", async () => {
    tg = await startFakeTelegram({ chats: [{ id: CHAT, type: 'private' }] });
    tg.failNext('sendMessage', 'lost-answer-reset');
    await expect(send('reset')).rejects.toThrow(/fetch failed/);
    expect(tg.messagesIn(CHAT).map((m) => m.text)).toEqual(['reset']);
    expect(tg.callsTo('sendMessage')[0]).toMatchObject({ status: null, fault: 'lost-answer' });
  });
});
