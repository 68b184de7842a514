// Which fsync covers which commit: a caller is answered only by a sync that started after it
// called, never by the one already running; callers during a sync share the next one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWalSync, type FdatasyncFn } from '../../src/store/wal-sync.js';

/** A fdatasync the test finishes by hand. */
function heldSync() {
  const calls: ((err: NodeJS.ErrnoException | null) => void)[] = [];
  const fn: FdatasyncFn = (_fd, cb) => void calls.push(cb);
  return { fn, calls };
}

function track(p: Promise<void>) {
  const t = { state: 'waiting' as 'waiting' | 'done' | 'failed' };
  p.then(
    () => (t.state = 'done'),
    () => (t.state = 'failed'),
  );
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));

let dir: string;
let wal: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
  wal = join(dir, 'db-wal');
  writeFileSync(wal, '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createWalSync', () => {
  it('a caller during a running sync is not answered by it; callers meanwhile share the next one', async () => {
    const held = heldSync();
    const ws = createWalSync(wal, held.fn);
    const a = track(ws.durable());
    const later = [track(ws.durable()), track(ws.durable()), track(ws.durable())];
    expect(held.calls).toHaveLength(1);
    held.calls[0]!(null);
    await tick();
    expect(a.state).toBe('done');
    expect(later.map((t) => t.state)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(held.calls).toHaveLength(2); // one more sync for all three
    held.calls[1]!(null);
    await tick();
    expect(later.map((t) => t.state)).toEqual(['done', 'done', 'done']);
    ws.close();
  });

  it('a failed sync fails the callers it was to cover; the next caller syncs afresh', async () => {
    const held = heldSync();
    const ws = createWalSync(wal, held.fn);
    const a = track(ws.durable());
    held.calls[0]!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await tick();
    expect(a.state).toBe('failed');
    const b = track(ws.durable());
    expect(held.calls).toHaveLength(2);
    held.calls[1]!(null);
    await tick();
    expect(b.state).toBe('done');
    ws.close();
  });
});
