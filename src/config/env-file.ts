// Merge-writes a `.env` file: keys we own are set or removed, every other line (foreign keys,
// comments, blank lines) stays where it was. The old file is backed up, the new one is written
// atomically with mode 0600, and the file is git-ignored when it lives inside a git repository.
// Values never leave this module: callers learn which keys changed, not what they hold.
import { chmod, copyFile, mkdir, readFile, rename, stat, unlink, writeFile, appendFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../errors.js';
import { runGit } from './git.js';

/** `null` removes the key. */
export type EnvUpdates = Record<string, string | null>;

export type GitignoreOutcome =
  | { state: 'added'; path: string; patterns: string[] }
  | { state: 'already-ignored' }
  | { state: 'not-a-repo' }
  | { state: 'no-git' };

export interface EnvWriteResult {
  path: string;
  /** The file did not exist before. */
  created: boolean;
  added: string[];
  updated: string[];
  removed: string[];
  /** added + updated + removed, in that order. */
  changed: string[];
  /** Where the previous content was copied, when the content changed. */
  backupPath: string | null;
  /** The old file was readable by others and is now 0600. */
  modeFixed: boolean;
  gitignore: GitignoreOutcome;
  /** The file is tracked by git (ignoring it then does not help: `git rm --cached`). */
  tracked: boolean;
}

export interface EnvWriteOptions {
  /** Clock for the timestamp of a second backup. */
  now?: () => number;
  /** Comment written above keys appended to the file. */
  header?: string;
  /** Skip the git checks (tests of the merge alone). */
  git?: boolean;
}

interface Entry {
  key: string;
  /** Line indexes [start, end] of the assignment (end > start for multi-line quoted values). */
  start: number;
  end: number;
  exported: boolean;
}

const ASSIGNMENT = /^\s*(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

/** Finds every assignment, following quoted values across lines as dotenv does. */
function scan(lines: string[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = ASSIGNMENT.exec(lines[i]!);
    if (!m) continue;
    const value = m[3]!;
    let end = i;
    const quote = value[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      const closesHere = value.slice(1).includes(quote);
      if (!closesHere) {
        let j = i + 1;
        while (j < lines.length && !lines[j]!.includes(quote)) j++;
        // An unclosed quote: dotenv reads it as a one-line value, so do we.
        end = j < lines.length ? j : i;
      }
    }
    entries.push({ key: m[2]!, start: i, end, exported: Boolean(m[1]) });
    i = end;
  }
  return entries;
}

const BARE = /^[A-Za-z0-9_\-.:/@+,=%^~]*$/;

/** `KEY=value` with the value quoted only when it has to be; checked by parsing it back. */
export function formatAssignment(key: string, value: string, exported = false): string {
  const candidates: string[] = [];
  if (BARE.test(value)) candidates.push(value);
  if (!value.includes("'") && !value.includes('\n')) candidates.push(`'${value}'`);
  if (!value.includes('"') && !/\\[nr]/.test(value)) candidates.push(`"${value}"`);
  if (!value.includes('`')) candidates.push(`\`${value}\``);
  for (const c of candidates) {
    const line = `${exported ? 'export ' : ''}${key}=${c}`;
    if (parseDotenv(line)[key] === value) return line;
  }
  throw new UserError(`Cannot write ${key} to the env file: its value cannot be quoted for dotenv.`, 'Set it in the environment instead.');
}

/** The merged file content and what changed; pure (no file system). */
export function mergeEnv(
  content: string | null,
  updates: EnvUpdates,
  header = '# Written by sentry-tg setup',
): { content: string; added: string[]; updated: string[]; removed: string[] } {
  const lines = content === null ? [] : content.split(/\r?\n/);
  // A trailing newline leaves one empty string at the end: keep it out of the line list.
  const hadFinalNewline = content !== null && /\r?\n$/.test(content);
  if (hadFinalNewline) lines.pop();
  const crlf = content !== null && content.includes('\r\n');
  const current = content === null ? {} : parseDotenv(content);
  const entries = scan(lines);
  const replace = new Map<number, string[]>(); // start line → replacement lines
  const drop = new Set<number>();
  const added: string[] = [];
  const updated: string[] = [];
  const removed: string[] = [];
  const append: string[] = [];

  for (const [key, value] of Object.entries(updates)) {
    const mine = entries.filter((e) => e.key === key);
    const dropEntry = (e: Entry) => {
      for (let i = e.start; i <= e.end; i++) drop.add(i);
    };
    if (value === null) {
      if (mine.length > 0) {
        mine.forEach(dropEntry);
        removed.push(key);
      }
      continue;
    }
    if (mine.length === 0) {
      append.push(formatAssignment(key, value));
      added.push(key);
      continue;
    }
    // dotenv lets the last assignment win: keep one line, at the last one's place.
    const last = mine[mine.length - 1]!;
    const unchanged = current[key] === value && mine.length === 1;
    if (unchanged) continue;
    mine.slice(0, -1).forEach(dropEntry);
    dropEntry(last);
    replace.set(last.start, [formatAssignment(key, value, last.exported)]);
    if (current[key] !== value) updated.push(key);
  }

  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const r = replace.get(i);
    if (r) out.push(...r);
    if (!drop.has(i)) out.push(lines[i]!);
  }
  if (append.length > 0) {
    if (!out.includes(header)) {
      if (out.length > 0 && out[out.length - 1]!.trim() !== '') out.push('');
      out.push(header);
    }
    out.push(...append);
  }
  const eol = crlf ? '\r\n' : '\n';
  return { content: out.length > 0 ? out.join(eol) + eol : '', added, updated, removed };
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`Cannot read ${path}: ${(err as Error).message}`, 'Check the file permissions.');
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** `.env.bak`, or `.env.bak.<UTC time>` when that already holds an older backup. */
async function backupPathFor(path: string, now: () => number): Promise<string> {
  const first = `${path}.bak`;
  return (await exists(first)) ? `${first}.${stamp(now())}` : first;
}

export async function writeEnvFile(path: string, updates: EnvUpdates, opts: EnvWriteOptions = {}): Promise<EnvWriteResult> {
  const now = opts.now ?? Date.now;
  const before = await readIfExists(path);
  const merged = mergeEnv(before, updates, opts.header);
  const changed = [...merged.added, ...merged.updated, ...merged.removed];
  let modeFixed = false;
  let backupPath: string | null = null;

  if (before === null || merged.content !== before) {
    await mkdir(dirname(path), { recursive: true });
    if (before !== null) {
      backupPath = await backupPathFor(path, now);
      await copyFile(path, backupPath);
      // The backup holds the same secrets as the file.
      await chmod(backupPath, 0o600);
    }
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
    try {
      await writeFile(tmp, merged.content, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new UserError(`Cannot write ${path}: ${(err as Error).message}`, 'Check that the directory is writable.');
    }
  }
  const mode = (await stat(path)).mode & 0o777;
  if (mode !== 0o600) {
    await chmod(path, 0o600);
    modeFixed = true;
  }

  let gitignore: GitignoreOutcome = { state: 'not-a-repo' };
  let tracked = false;
  if (opts.git !== false) {
    const patterns = [basename(path), `${basename(path)}.bak*`];
    ({ gitignore, tracked } = await ensureGitIgnored(path, patterns));
  }

  return {
    path,
    created: before === null,
    added: merged.added,
    updated: merged.updated,
    removed: merged.removed,
    changed,
    backupPath,
    modeFixed,
    gitignore,
    tracked,
  };
}

async function git(args: string[], cwd: string) {
  return runGit(args, { cwd });
}

/**
 * Adds `patterns` to the `.gitignore` next to `path` unless git already ignores the file
 * (and a sample backup name). Read-only git commands only: rev-parse, check-ignore, ls-files.
 */
export async function ensureGitIgnored(path: string, patterns: string[]): Promise<{ gitignore: GitignoreOutcome; tracked: boolean }> {
  const dir = dirname(path);
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  // No exit code at all: git itself could not be started (not installed).
  if (top.exitCode === null) return { gitignore: { state: 'no-git' }, tracked: false };
  if (top.exitCode !== 0) return { gitignore: { state: 'not-a-repo' }, tracked: false };
  const name = basename(path);
  const tracked = (await git(['ls-files', '--error-unmatch', '--', name], dir)).exitCode === 0;
  const probes = [name, `${name}.bak`];
  const ignored = await Promise.all(probes.map(async (p) => (await git(['check-ignore', '-q', '--no-index', '--', p], dir)).exitCode === 0));
  const missing = patterns.filter((_p, i) => !ignored[i]);
  if (missing.length === 0) return { gitignore: { state: 'already-ignored' }, tracked };
  const gitignorePath = join(dir, '.gitignore');
  const existing = (await readIfExists(gitignorePath)) ?? '';
  const lines = existing.split(/\r?\n/).map((l) => l.trim());
  const toAdd = missing.filter((p) => !lines.includes(p));
  if (toAdd.length === 0) return { gitignore: { state: 'already-ignored' }, tracked };
  const prefix = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await appendFile(gitignorePath, `${prefix}# secrets written by sentry-tg setup\n${toAdd.join('\n')}\n`);
  return { gitignore: { state: 'added', path: gitignorePath, patterns: toAdd }, tracked };
}
