// runGit: git's exit code is the answer (check-ignore's 1 means "not ignored"), never a throw.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/config/git.js';
import { tempDir } from '../helpers.js';

const dirs: { cleanup(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

describe('runGit', () => {
  it('reports exit codes as answers: outside a repository, then ignored or not inside one', async () => {
    const dir = tempDir('sentry-tg-git-');
    dirs.push(dir);
    const outside = await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: dir.path });
    expect(outside).toMatchObject({ exitCode: 128, missing: false });

    expect((await runGit(['init', '-q'], { cwd: dir.path })).exitCode).toBe(0);
    expect(await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: dir.path })).toMatchObject({ exitCode: 0, stdout: 'true\n' });
    writeFileSync(join(dir.path, '.gitignore'), '.env\n');
    expect((await runGit(['check-ignore', '-q', '--', '.env'], { cwd: dir.path })).exitCode).toBe(0);
    expect((await runGit(['check-ignore', '-q', '--', 'other.env'], { cwd: dir.path })).exitCode).toBe(1);
  });

  it('a directory that does not exist is no answer at all, not a crash', async () => {
    await expect(runGit(['status'], { cwd: '/nonexistent/sentry-tg' })).resolves.toMatchObject({ exitCode: null });
  });
});
