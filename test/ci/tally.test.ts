// CI tells the truth: .ci/tally-reporter.mjs counts what Vitest's JSON reporter leaves out
// (unhandled errors, a module that fails to load, a failing beforeAll, a worker that dies), and
// .ci/summary.mjs sums the runs into the closing line and fails the run for any of them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = new URL('../../', import.meta.url).pathname;
const VITEST = join(REPO, 'node_modules/vitest/vitest.mjs');
const REPORTER = join(REPO, '.ci/tally-reporter.mjs');
const SUMMARY = join(REPO, '.ci/summary.mjs');

/** The environment without this run's own Vitest variables, so the inner run is a fresh one. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  return { ...env, NO_COLOR: '1', ...extra };
}

function node(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, args, { ...opts, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

const FILES: Record<string, string> = {
  'vitest.config.mjs': `export default { test: { include: ['*.check.js'], globals: true, pool: 'forks' } };`,
  'plain.check.js': `
    test('passes', () => expect(1).toBe(1));
    test.skip('skipped', () => {});
    test.todo('todo');
    test('fails', () => expect(1).toBe(2));`,
  'broken-import.check.js': `import './does-not-exist.js';\ntest('never collected', () => {});`,
  'hook.check.js': `
    describe('hooked', () => {
      beforeAll(() => { throw new Error('hook broke'); });
      test('one', () => {});
    });
    test('outside', () => {});`,
  'leak.check.js': `
    test('leaks a rejection', async () => {
      setTimeout(() => Promise.reject(new Error('late')), 5);
      await new Promise((r) => setTimeout(r, 100));
    });`,
  'killed.check.js': `
    test('dies with its worker', async () => {
      process.kill(process.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
    });`,
};

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  unfinished: number;
  crashedSuites: string[];
  unhandledErrors: number;
}

describe('the CI tally', () => {
  let dir: string;
  let tally: Tally;
  let vitestExit: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentry-tg-tally-'));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
    const tallyFile = join(dir, 'tally.json');
    const run = await node([VITEST, 'run', '--root', dir, '--reporter=default', `--reporter=${REPORTER}`], {
      cwd: dir,
      env: cleanEnv({ SENTRY_TG_TALLY_FILE: tallyFile }),
    });
    vitestExit = run.code;
    tally = JSON.parse(readFileSync(tallyFile, 'utf8')) as Tally;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts passed, failed and skipped (todo included) tests', () => {
    expect(vitestExit).not.toBe(0);
    expect(tally).toMatchObject({ failed: 1, skipped: 3 });
    // plain's pass, hook's "outside" and the leaking test (its own assertion passes).
    expect(tally.passed).toBe(3);
  });

  it('counts what the JSON reporter leaves out: load failures, hook failures, dead workers, unhandled errors', () => {
    expect(tally.crashedSuites.map((s) => s.replace(`${dir}/`, ''))).toEqual(expect.arrayContaining(['broken-import.check.js', 'hook.check.js > hooked']));
    expect(tally.crashedSuites).toHaveLength(2);
    expect(tally.unfinished).toBe(1);
    // The late rejection and the killed worker.
    expect(tally.unhandledErrors).toBe(2);
  });

  it('sums every run into the closing line, names the failed version, and exits 1', async () => {
    const runs = join(dir, 'runs.tsv');
    const clean = join(dir, 'clean.json');
    writeFileSync(clean, JSON.stringify({ passed: 10, failed: 0, skipped: 2, unfinished: 0, crashedSuites: [], unhandledErrors: 0 }));
    writeFileSync(
      runs,
      [
        ['20.20.2', 'type check', 0, '-', 30],
        ['20.20.2', 'npm test', 0, clean, 100],
        ['22.23.5', 'npm test', 1, join(dir, 'tally.json'), 100],
      ]
        .map((r) => r.join('\t'))
        .join('\n'),
    );
    const r = await node([SUMMARY, runs, '300']);
    const lines = r.stdout.trim().split('\n');
    expect(r.code).toBe(1);
    const failed = 1 + 1 + 2 + 2; // test + unfinished + crashed suites + unhandled errors
    expect(lines.at(-1)).toBe(`${10 + tally.passed} passed, ${failed} failed, ${2 + tally.skipped} skipped`);
    expect(lines.at(-2)).toBe('ci: FAILED on Node 22.23.5');
  });

  it('fails a run whose type check failed, or that exited non-zero without a counted failure, or ran nothing', async () => {
    const runs = join(dir, 'runs2.tsv');
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ passed: 0, failed: 0, skipped: 0, unfinished: 0, crashedSuites: [], unhandledErrors: 0 }));
    const cases: [string, string, number, string][] = [
      ['20.20.2', 'type check', 2, '-'],
      ['22.23.5', 'npm test', 1, join(dir, 'missing.json')],
      ['24.22.3', 'npm test', 0, empty],
    ];
    writeFileSync(runs, cases.map((c) => [...c, 1].join('\t')).join('\n'));
    const r = await node([SUMMARY, runs]);
    const lines = r.stdout.trim().split('\n');
    expect(r.code).toBe(1);
    expect(lines.at(-1)).toBe('0 passed, 3 failed, 0 skipped');
    expect(lines.at(-2)).toBe('ci: FAILED on Node 20.20.2, 22.23.5, 24.22.3');
  });

  it('passes, exit 0, when every run passed', async () => {
    const runs = join(dir, 'runs3.tsv');
    const clean = join(dir, 'clean3.json');
    writeFileSync(clean, JSON.stringify({ passed: 5, failed: 0, skipped: 1, unfinished: 0, crashedSuites: [], unhandledErrors: 0 }));
    writeFileSync(runs, ['20.20.2\ttype check\t0\t-\t1', `20.20.2\tnpm test\t0\t${clean}\t1`, `22.23.5\tnpm test\t0\t${clean}\t1`].join('\n'));
    const r = await node([SUMMARY, runs]);
    const lines = r.stdout.trim().split('\n');
    expect(r.code).toBe(0);
    expect(lines.slice(-2)).toEqual(['ci: passed on Node 20.20.2, 22.23.5', '10 passed, 0 failed, 2 skipped']);
  });
});
