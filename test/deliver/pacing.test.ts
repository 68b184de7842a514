// The pacer's bookkeeping, pure: even spacing plus the windows kept over finish times.
import { describe, expect, it } from 'vitest';
import { createPacer, DEFAULT_PACING } from '../../src/deliver/pacing.js';

const GROUP = '-1001';

describe('pacer', () => {
  it('a group gets its 21st call only a full minute after the 1st call finished, however slow it was', () => {
    const pacer = createPacer(DEFAULT_PACING);
    // The first call took 400 ms to answer (Telegram may have counted it at any moment in
    // between); the others answered at once.
    for (let i = 0; i < 20; i++) {
      const start = Math.max(i * 3000, pacer.readyAt(GROUP));
      pacer.spend(GROUP, start);
      pacer.settled(GROUP, start + (i === 0 ? 400 : 0));
    }
    expect(pacer.readyAt(GROUP)).toBe(60_400);
  });

  it('the whole bot: the 31st call waits for the 1st call’s finish plus a second', () => {
    const pacer = createPacer(DEFAULT_PACING);
    for (let i = 0; i < 30; i++) {
      const chat = String(1000 + i); // private chats: only the global rule binds
      pacer.spend(chat, 0);
      pacer.settled(chat, i === 0 ? 250 : 10);
    }
    expect(pacer.readyAt('999')).toBe(1250);
  });

  it('private chats are spaced by their gap and kept out of the group windows', () => {
    const pacer = createPacer(DEFAULT_PACING);
    pacer.spend('42', 0);
    pacer.settled('42', 5);
    expect(pacer.readyAt('42')).toBe(1000);
    expect(pacer.readyAt(GROUP)).toBeLessThan(100);
  });
});
