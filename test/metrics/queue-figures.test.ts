// The queue figures (/health, /status, metrics) are read again after commits and delivery
// rounds, but at most once per gap: under load commits come hundreds of times a second, and a
// read per commit once cost more than the commits themselves (issue 12's profile).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queueFigures } from '../../src/pipeline/health.js';
import type { StoreStats } from '../../src/store/store.js';

const stats = (pending: number): StoreStats => ({
  pending,
  parked: 0,
  lastParked: null,
  lastDeliveredAt: null,
  oldestPendingAt: null,
  muted: 0,
  pendingByRoute: [],
});

function countingStore() {
  let pending = 0;
  const store = {
    reads: 0,
    set: (n: number) => (pending = n),
    stats: async () => {
      store.reads++;
      return stats(pending);
    },
    activeMutes: async () => [],
  };
  return store;
}

describe('queue figures after commits', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('a thousand commits in one gap cost one read, and the figures still catch up', async () => {
    const store = countingStore();
    const figures = queueFigures(store, Date.now, 60_000, 250);
    await figures.refresh();
    store.reads = 0;
    for (let i = 1; i <= 1000; i++) {
      store.set(i);
      figures.stale();
      if (i % 100 === 0) await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(300);
    // 200 ms of commits: the first read at once, then at most one per 250 ms.
    expect(store.reads).toBeLessThanOrEqual(2);
    expect(store.reads).toBeGreaterThanOrEqual(1);
    expect(figures.stats().pending).toBe(1000);
    figures.stop();
  });

  it('a lone commit after a quiet spell is read at once, not after the gap', async () => {
    const store = countingStore();
    const figures = queueFigures(store, Date.now, 60_000, 250);
    await vi.advanceTimersByTimeAsync(5_000);
    store.set(3);
    figures.stale();
    await vi.advanceTimersByTimeAsync(1);
    expect(store.reads).toBe(1);
    expect(figures.stats().pending).toBe(3);
    figures.stop();
  });
});
