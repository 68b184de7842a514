// The pacing decision the PostgreSQL store makes under its row locks (pure; no server needed).
import { describe, expect, it } from 'vitest';
import { decideSendSlot } from '../../../src/store/pg/send-slot.js';

const LIMITS = { privateGapMs: 1000, groupPerMinute: 20, globalPerSecond: 30 };

describe('decideSendSlot', () => {
  it('allows the first call and records it for the chat and the bot', () => {
    expect(decideSendSlot('42', [], [], 5000, LIMITS)).toEqual({ waitMs: 0, chatSentAt: [5000], globalSentAt: [5000] });
  });

  it('keeps one second between calls to one chat, and says how long to wait', () => {
    expect(decideSendSlot('42', [5000], [5000], 5400, LIMITS).waitMs).toBe(600);
    expect(decideSendSlot('42', [5000], [5000], 6000, LIMITS)).toEqual({ waitMs: 0, chatSentAt: [6000], globalSentAt: [6000] });
  });

  it('admits the 21st call to a group only a minute after the call 20 places back', () => {
    const sent = Array.from({ length: 20 }, (_, i) => 1000 + i * 1000); // 1000 … 20000
    expect(decideSendSlot('-100', sent, [], 21_000, LIMITS).waitMs).toBe(61_000 - 21_000);
    expect(decideSendSlot('-100', sent, [], 61_000, LIMITS).waitMs).toBe(0);
    // A private chat has no minute window: only the gap.
    expect(decideSendSlot('42', sent, [], 21_000, LIMITS).waitMs).toBe(0);
  });

  it('admits the 31st call of the bot in one second only when the oldest leaves the window', () => {
    const global = Array.from({ length: 30 }, (_, i) => 10_000 + i * 10); // 10000 … 10290
    expect(decideSendSlot('42', [], global, 10_500, LIMITS).waitMs).toBe(500);
    const ok = decideSendSlot('42', [], global, 11_000, LIMITS);
    expect(ok.waitMs).toBe(0);
    expect(ok.globalSentAt).toHaveLength(30);
    expect(ok.globalSentAt.at(-1)).toBe(11_000);
  });
});
