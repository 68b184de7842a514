// The bench's storm verdict: which figures make `npm run bench` exit non-zero, and why.
import { describe, expect, it } from 'vitest';
import { stormVerdict } from '../../bench/verdict.js';

const good = { rateLimited: 0, accepted: 10_000, reflected: 10_000, pending: 0, undeliverable: 0 };

describe('bench storm verdict', () => {
  it('a clean storm passes', () => {
    expect(stormVerdict(good)).toEqual([]);
  });

  it.each([
    [{ rateLimited: 3 }, /3 × 429/],
    [{ reflected: 9_998 }, /2 accepted alert\(s\) not shown/],
    [{ reflected: 10_001 }, /1 alert\(s\) shown more than once/],
    [{ pending: 5 }, /5 alert\(s\) still waiting/],
    [{ undeliverable: 1 }, /1 alert\(s\) parked/],
  ])('%j fails with a reason', (bad, reason) => {
    const broken = stormVerdict({ ...good, ...bad });
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(reason);
  });
});
