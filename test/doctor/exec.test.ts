// Doctor asks git through the context's `exec`, not a module import: what it runs and how a
// missing git reads are decided by the one Context, and a test can hand in a fake.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Exec, ExecOptions } from '../../src/context/exec.js';
import { runProgram } from '../../src/context/exec.js';
import { loadSettings } from '../../src/config/load.js';
import type { DoctorEnv } from '../../src/commands/doctor/check.js';
import { checkEnvFileGit } from '../../src/commands/doctor/config.js';

function envFor(exec: Exec): DoctorEnv {
  const cwd = mkdtempSync(join(tmpdir(), 'sentry-tg-exec-'));
  const envFile = join(cwd, '.env');
  writeFileSync(envFile, 'SENTRY_TG_PORT=8080\n', { mode: 0o600 });
  const loaded = loadSettings({ envFile: { path: envFile, explicit: true }, env: {}, flags: {}, tolerant: true });
  return { loaded, configProblems: [], envFile, cwd, fetch: globalThis.fetch, now: Date.now, exec, timeoutMs: 1234 };
}

describe('doctor runs git through ctx.exec', () => {
  it('a missing git is a skip that says so, and git is asked without a terminal prompt', async () => {
    const calls: { file: string; args: readonly string[]; opts: ExecOptions }[] = [];
    const noGit: Exec = async (file, args, opts) => {
      calls.push({ file, args, opts });
      return { exitCode: null, stdout: '', stderr: '', notFound: true, timedOut: false };
    };
    const result = await checkEnvFileGit(envFor(noGit));
    expect(result).toMatchObject({ id: 'env-file-git', status: 'skip', detail: 'git is not installed' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ file: 'git', args: ['rev-parse', '--is-inside-work-tree'], opts: { timeoutMs: 1234, env: { GIT_TERMINAL_PROMPT: '0' } } });
  });

  it('the real runner reports a program that does not exist as notFound, without throwing', async () => {
    const r = await runProgram('sentry-tg-no-such-program', [], { cwd: tmpdir() });
    expect(r).toMatchObject({ notFound: true, exitCode: null });
  });

  it('the real runner kills a program past its timeout', async () => {
    const r = await runProgram(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { cwd: tmpdir(), timeoutMs: 200 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null });
  });
});
