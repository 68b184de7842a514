// The words /health and the 503 use for each way the disk can fail.
import { describe, expect, it } from 'vitest';
import { createStorageStatus, describeStorageError } from '../../src/receive/storage-status.js';

const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('describeStorageError', () => {
  it.each([
    [err('SQLITE_FULL', 'database or disk is full'), 'the disk is full (SQLITE_FULL)'],
    [err('ENOSPC'), 'the disk is full (ENOSPC)'],
    [err('SQLITE_READONLY'), 'the database is read-only (SQLITE_READONLY)'],
    [err('SQLITE_READONLY_DBMOVED'), 'the database is read-only (SQLITE_READONLY_DBMOVED)'],
    [err('EROFS'), 'the database is read-only (EROFS)'],
    [err('SQLITE_IOERR_FSYNC'), 'the disk reported an I/O error (SQLITE_IOERR_FSYNC)'],
    [err('EIO'), 'the disk reported an I/O error (EIO)'],
    [err('SQLITE_BUSY', 'database is locked'), 'database is locked (SQLITE_BUSY)'],
    [new Error('odd'), 'odd'],
  ])('%s → %s', (e, words) => {
    expect(describeStorageError(e)).toBe(words);
  });
});

describe('createStorageStatus', () => {
  it('remembers the last failure until a write succeeds', () => {
    const s = createStorageStatus();
    expect(s.failure()).toBeNull();
    s.failed(1000, err('SQLITE_FULL'));
    expect(s.failure()).toEqual({ at: 1000, reason: 'the disk is full (SQLITE_FULL)' });
    s.ok();
    expect(s.failure()).toBeNull();
  });
});
