// An alert storm into one supergroup with Telegram's real limits enforced by the fake (1/s per
// chat, 20 a minute per group, 30/s overall) and the dispatcher's production pacing and storm
// settings. Promise under test: no 429, and every accepted alert shows up exactly once — as its
// own message, in a repeat counter, on a digest line — or is counted as muted.
import { afterEach, describe, expect, it } from 'vitest';
import { accept, logTimeline, shownCounts, startStormRig, stormAlert, type StormRig } from './storm-rig.js';
import { connectionOf } from '../../src/store/testing.js';

const GROUP = -1001230000001;
const MUTED = 99;

let rig: StormRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Issue n gets 1..9 alerts; the order interleaves issues like a real storm does. */
function stormPlan(issues: number[], seed: number): number[] {
  const plan: number[] = [];
  for (const n of issues) for (let k = 0; k < 1 + ((n * 7 + seed) % 9); k++) plan.push(n);
  // Deterministic shuffle (LCG): the same storm every run.
  let x = seed + 1;
  for (let i = plan.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}

/** Feeds `plan` at `perSecond` alerts a virtual second; counts what was accepted per issue. */
async function feed(r: StormRig, plan: number[], perSecond: number, accepted: Map<number, number>): Promise<void> {
  let seq = accepted.size * 1000;
  for (let i = 0; i < plan.length; i += perSecond) {
    const batch = plan.slice(i, i + perSecond);
    const results = await Promise.all(batch.map((n) => accept(r.intake, stormAlert(n, seq++))));
    batch.forEach((n, k) => {
      if (results[k]!.id !== null) accepted.set(n, (accepted.get(n) ?? 0) + 1);
    });
    for (let t = 0; t < 1000; t += r.stepMs) await r.tick();
  }
}

describe('alert storm under real Telegram limits and production settings', () => {
  it('two waves of distinct issues and repeats into one supergroup: 0 × 429, every alert accounted for', async () => {
    rig = await startStormRig(GROUP);
    const r = rig;
    r.tg.addChat({ id: GROUP, type: 'supergroup', title: 'Ops' });
    r.store.addMute({ chatId: String(GROUP), issueId: String(7000 + MUTED), shortId: null, label: 'storm muted', until: r.now() + 3_600_000, createdBy: null, createdAt: r.now() });
    const accepted = new Map<number, number>();

    // Wave 1: 45 issues, ~230 alerts, 6 a second; wave 2 three minutes later: repeats of the
    // first 20 issues and 15 new ones while the group is still under its per-minute limit.
    const first = [...Array.from({ length: 45 }, (_, i) => i), MUTED];
    await feed(r, stormPlan(first, 3), 6, accepted);
    await r.runUntil(() => false, 3 * 60_000);
    await feed(r, stormPlan([...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 15 }, (_, i) => 100 + i)], 5), 10, accepted);
    const drained = await r.runUntil(() => r.store.stats().pending === 0, 30 * 60_000);

    const total = [...accepted.values()].reduce((a, b) => a + b, 0);
    const inGroup = r.tg.calls.filter((c) => String(c.params.chat_id) === String(GROUP));
    const states = Object.fromEntries(
      (connectionOf(r.store).prepare(`SELECT state, COUNT(*) AS n FROM outbox GROUP BY state`).all() as { state: string; n: number }[]).map((s) => [s.state, s.n]),
    );
    console.log(
      `storm: ${total} alerts accepted for ${accepted.size} issues; ${inGroup.length} Telegram calls into the group ` +
        `(${r.tg.messagesIn(GROUP).length} messages, ${r.tg.messagesIn(GROUP).filter((m) => m.text.includes('SENTRY DIGEST')).length} digests); ` +
        `429s: ${r.tg.rateLimited}; states ${JSON.stringify(states)}; drained in ${Math.round((r.now() - inGroup[0]!.atMs) / 1000)} virtual s`,
    );

    logTimeline(inGroup);
    expect(drained).toBe(true);
    expect(r.tg.rateLimited).toBe(0);
    expect(inGroup.every((c) => c.status === 200)).toBe(true);
    // The storm was big enough to need the limits: digests were sent and the group came near
    // its 20 calls a minute (exactly 20 unless a loaded machine made calls slow in virtual time).
    expect(r.tg.messagesIn(GROUP).some((m) => m.text.includes('SENTRY DIGEST'))).toBe(true);
    const busiest = Math.max(...inGroup.map((c) => inGroup.filter((d) => d.atMs >= c.atMs && d.atMs < c.atMs + 60_000).length));
    expect(busiest).toBeGreaterThanOrEqual(18);
    expect(busiest).toBeLessThanOrEqual(20);

    // Accounted for: the muted issue only in the muted count, every other issue shown exactly
    // as many times as it was accepted; nothing parked, nothing waiting.
    const shown = shownCounts(r.tg.messagesIn(GROUP));
    expect(shown.has(MUTED)).toBe(false);
    expect(states.muted).toBe(accepted.get(MUTED));
    const expected = new Map([...accepted].filter(([n]) => n !== MUTED));
    expect(new Map([...shown].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...expected].sort((a, b) => a[0] - b[0])));
    expect(states.parked).toBeUndefined();
    expect((states.sent ?? 0) + (states.merged ?? 0) + (states.muted ?? 0)).toBe(total);
  }, 120_000);
});
