// Group commit: webhooks are answered only after the WAL is fsynced, and concurrent requests
// share one fsync instead of queueing one each.
import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers.js';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, fdatasync: vi.fn(actual.fdatasync) };
});

const { openStore } = await import('../../src/store/store.js');

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.cleanup();
  vi.mocked(fs.fdatasync).mockClear();
});

function row(i: number) {
  return {
    receivedAt: Date.now(), requestId: null, dedupKey: `k${i}`, resource: 'event_alert', action: 'triggered',
    body: Buffer.from('{}'), chatId: '1', threadId: null, groupKey: null,
  };
}

describe('durable()', () => {
  it('fsyncs the write-ahead log of a file database', async () => {
    dir = tempDir();
    const store = openStore({ dataDir: dir.path });
    store.acceptMany([row(1)]);
    await store.durable();
    expect(fs.fdatasync).toHaveBeenCalledTimes(1);
    store.close();
  });

  it('coalesces concurrent callers: one sync in flight, one queued behind it', async () => {
    dir = tempDir();
    const store = openStore({ dataDir: dir.path });
    store.acceptMany([row(1)]);
    await Promise.all(Array.from({ length: 20 }, () => store.durable()));
    expect(vi.mocked(fs.fdatasync).mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(vi.mocked(fs.fdatasync).mock.calls.length).toBeLessThanOrEqual(2);
    store.close();
  });

  it('does not sync in normal mode or for an in-memory database', async () => {
    dir = tempDir();
    const normal = openStore({ dataDir: dir.path, fsync: 'normal' });
    normal.acceptMany([row(1)]);
    await normal.durable();
    const memory = openStore({ dataDir: '', filename: ':memory:' });
    await memory.durable();
    expect(fs.fdatasync).not.toHaveBeenCalled();
    normal.close();
    memory.close();
  });
});
