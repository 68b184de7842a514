// The .env writer: merge (foreign keys and comments stay), quoting, backups, mode 0600 and
// .gitignore inside a git repository (a throwaway repository in a temp dir).
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAssignment, mergeEnv, writeEnvFile } from '../../src/config/env-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentry-tg-env-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

describe('mergeEnv (pure)', () => {
  it('keeps foreign keys, comments and order; updates in place; appends new keys under a header', () => {
    const before = ['# production settings', 'FOREIGN=1', '', 'export SENTRY_ORG=old # the old org', 'OTHER="two words"', ''].join('\n');
    const r = mergeEnv(before, { SENTRY_ORG: 'acme', SENTRY_PROJECT: 'backend', OTHER_MISSING: null });
    expect(r.content).toBe(
      ['# production settings', 'FOREIGN=1', '', 'export SENTRY_ORG=acme', 'OTHER="two words"', '', '# Written by sentry-tg setup', 'SENTRY_PROJECT=backend', ''].join('\n'),
    );
    expect(r).toMatchObject({ added: ['SENTRY_PROJECT'], updated: ['SENTRY_ORG'], removed: [] });
  });

  it('reports nothing when every value is already right', () => {
    const before = 'A=1\nB=two\n';
    const r = mergeEnv(before, { A: '1', B: 'two' });
    expect(r.content).toBe(before);
    expect([...r.added, ...r.updated, ...r.removed]).toEqual([]);
  });

  it('removes a key (all its lines, multi-line values included) and collapses duplicates', () => {
    const before = 'KEEP=1\nTOPIC=7\nMULTI="line one\nline two"\nDUP=a\nDUP=b\n';
    const r = mergeEnv(before, { TOPIC: null, MULTI: null, DUP: 'c' });
    expect(r.content).toBe('KEEP=1\nDUP=c\n');
    expect(r).toMatchObject({ removed: ['TOPIC', 'MULTI'], updated: ['DUP'] });
  });

  it('keeps CRLF line ends', () => {
    expect(mergeEnv('A=1\r\nB=2\r\n', { B: '3' }).content).toBe('A=1\r\nB=3\r\n');
  });

  it.each([
    ['plain-token_123:abc', 'K=plain-token_123:abc'],
    ['https://sentry.io/x?y=1', "K='https://sentry.io/x?y=1'"],
    ['two words # not a comment', "K='two words # not a comment'"],
    ["it's", 'K="it\'s"'],
    ['', 'K='],
  ])('quotes %j only as needed, and dotenv reads it back', (value, line) => {
    expect(formatAssignment('K', value)).toBe(line);
    expect(parseDotenv(line).K).toBe(value);
  });
});

describe('writeEnvFile', () => {
  it('creates a new file with mode 0600 and no backup', async () => {
    const path = join(dir, '.env');
    const r = await writeEnvFile(path, { A: '1' }, { git: false });
    expect(r).toMatchObject({ created: true, added: ['A'], backupPath: null });
    expect(await modeOf(path)).toBe(0o600);
    expect(parseDotenv(await readFile(path, 'utf8'))).toEqual({ A: '1' });
  });

  it('backs up the old file (0600), then a timestamped backup the second time, and tightens a wide mode', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'FOREIGN=keep\nA=old\n');
    await chmod(path, 0o644);
    const r1 = await writeEnvFile(path, { A: 'new' }, { git: false });
    expect(r1).toMatchObject({ created: false, updated: ['A'], backupPath: `${path}.bak` });
    expect(await readFile(`${path}.bak`, 'utf8')).toBe('FOREIGN=keep\nA=old\n');
    expect(await modeOf(`${path}.bak`)).toBe(0o600);
    expect(await modeOf(path)).toBe(0o600);
    expect(parseDotenv(await readFile(path, 'utf8'))).toEqual({ FOREIGN: 'keep', A: 'new' });

    const r2 = await writeEnvFile(path, { A: 'newer' }, { git: false, now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
    expect(r2.backupPath).toBe(`${path}.bak.20250102-030405`);
    expect(await readFile(r2.backupPath!, 'utf8')).toBe('FOREIGN=keep\nA=new\n');
  });

  it('changes nothing (no backup) when values are right, but still fixes the mode', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\n');
    await chmod(path, 0o664);
    const r = await writeEnvFile(path, { A: '1' }, { git: false });
    expect(r).toMatchObject({ changed: [], backupPath: null, modeFixed: true });
    expect(await modeOf(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['.env']);
  });

  it('adds .env and its backups to .gitignore inside a git repository, once', async () => {
    await execa('git', ['init', '-q'], { cwd: dir });
    await writeFile(join(dir, '.gitignore'), 'node_modules/');
    const path = join(dir, '.env');
    const r1 = await writeEnvFile(path, { A: '1' });
    expect(r1.gitignore).toEqual({ state: 'added', path: join(dir, '.gitignore'), patterns: ['.env', '.env.bak*'] });
    expect(r1.tracked).toBe(false);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n# secrets written by sentry-tg setup\n.env\n.env.bak*\n');
    const r2 = await writeEnvFile(path, { A: '2' });
    expect(r2.gitignore).toEqual({ state: 'already-ignored' });
    const check = await execa('git', ['check-ignore', '-q', '.env.bak'], { cwd: dir, reject: false });
    expect(check.exitCode).toBe(0);
  });

  it('says so when the env file is tracked by git', async () => {
    await execa('git', ['init', '-q'], { cwd: dir });
    const path = join(dir, 'prod.env');
    await writeFile(path, 'A=1\n');
    await execa('git', ['add', 'prod.env'], { cwd: dir });
    const r = await writeEnvFile(path, { A: '2' });
    expect(r.tracked).toBe(true);
    expect(r.gitignore).toMatchObject({ state: 'added', patterns: ['prod.env', 'prod.env.bak*'] });
  });

  it('leaves .gitignore alone outside a repository', async () => {
    const r = await writeEnvFile(join(dir, '.env'), { A: '1' });
    expect(r.gitignore).toEqual({ state: 'not-a-repo' });
    expect(await readdir(dir)).toEqual(['.env']);
  });
});
