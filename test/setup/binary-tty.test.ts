// The real binary (`node bin/sentry-tg.js setup`, built into dist/) in a pseudo-terminal
// through tmux, answering the real @inquirer prompts with keystrokes, against the fakes that
// run in this test process. Skipped only when tmux is not installed.
import { spawnSync } from 'node:child_process';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlToken } from '../../src/receive/verify.js';
import { makeWorld, PRIVATE_CHAT, SENTRY_TOKEN, TG_TOKEN, type World } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/sentry-tg.js');
const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
if (!HAS_TMUX) console.warn('tmux is not installed: the pseudo-terminal test of the real binary is skipped.');

// A private tmux server on its own socket, never the user's.
const SOCKET = join(tmpdir(), `sentry-tg-setup-test-${process.pid}.sock`);
const SESSION = 'setup';

async function tmux(...args: string[]): Promise<string> {
  const r = await execa('tmux', ['-S', SOCKET, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-300', '-t', SESSION);

async function waitForScreen(re: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await screen();
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re} on the screen:\n${text}`);
}

/** The binary's exit code, printed by the wrapper once the binary has exited. */
async function exitStatus(timeoutMs = 10_000): Promise<number> {
  const text = await waitForScreen(/EXIT-STATUS=(\d+|null)/, timeoutMs);
  return Number(/EXIT-STATUS=(\d+|null)/.exec(text)![1]);
}

async function type(text: string): Promise<void> {
  await tmux('send-keys', '-t', SESSION, '-l', text);
  await tmux('send-keys', '-t', SESSION, 'Enter');
}

async function keys(...names: string[]): Promise<void> {
  for (const k of names) await tmux('send-keys', '-t', SESSION, k);
}

/** Builds dist/ when it is missing or older than the setup sources (plain `vitest run`). */
async function ensureBuilt(): Promise<void> {
  const built = join(ROOT, 'dist/commands/setup/index.js');
  const builtAt = await stat(built).then((s) => s.mtimeMs, () => 0);
  const sources = [
    ...(await readdir(join(ROOT, 'src/commands/setup'))).map((f) => join(ROOT, 'src/commands/setup', f)),
    join(ROOT, 'src/config/env-file.ts'),
    join(ROOT, 'src/cli/main.ts'),
  ];
  const newest = Math.max(...(await Promise.all(sources.map((f) => stat(f).then((s) => s.mtimeMs)))));
  if (builtAt >= newest) return;
  // tsc emits even when another module has a type error; the binary only needs the JS.
  await execa(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, reject: false });
  await stat(built);
}

/**
 * Runs the binary in a fresh tmux session. A small node wrapper (no shell) waits for it, prints
 * its exit status and keeps the pane open; it ignores SIGINT itself so Ctrl-C reaches only
 * the binary's handling.
 */
const WRAPPER = [
  "process.on('SIGINT', () => {});",
  "const r = require('node:child_process').spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit' });",
  "console.log('EXIT-STATUS=' + r.status);",
  // No trailing semicolon: tmux reads an argument ending in ";" as a command separator.
  'setTimeout(() => {}, 120000)',
].join(' ');

/** From the buttons question to the frequency rule: yes to buttons, Acme / Backend, own URL. */
async function answerButtonsAndSentry(w: World, frequencyRule: 'y' | 'n'): Promise<void> {
  await waitForScreen(/press Resolve \/ Archive under alerts\? .*\(Y\/n\)/);
  await type('y');
  await waitForScreen(/\? Sentry auth token/);
  await type(SENTRY_TOKEN);
  await waitForScreen(/\? Sentry organisation\s*\n❯ Acme \(acme\)/);
  await keys('Enter');
  await waitForScreen(/\? Sentry project\s*\n❯ Backend \(backend\)/);
  await keys('Enter');
  await waitForScreen(/\? How does Sentry reach this receiver\?/);
  await keys('Down', 'Enter');
  await waitForScreen(/\? Public base URL of the receiver/);
  await type(w.publicUrl);
  await waitForScreen(/more than 10 times in 1 minute\? \(y\/N\)/);
  await type(frequencyRule);
}

async function startBinary(w: World, args: string[]): Promise<void> {
  await execa('tmux', ['-S', SOCKET, 'kill-session', '-t', SESSION], { reject: false });
  await execa('tmux', [
    '-S', SOCKET, '-f', '/dev/null',
    'new-session', '-d', '-s', SESSION, '-x', '200', '-y', '50', '-c', w.dir,
    'env', '-u', 'CI', '-u', 'FORCE_COLOR', 'NO_COLOR=1', 'SENTRY_TG_LOCALE=en', // its screens are English whatever LANG says
    `TELEGRAM_API_ROOT=${w.tg.url}`, `SENTRY_URL=${w.sentry.url}`,
    process.execPath, '-e', WRAPPER, BIN, ...args,
  ]);
}

describe.sequential('the real binary in a pseudo-terminal', () => {
  let w: World;
  beforeAll(async () => {
    if (!HAS_TMUX) return;
    await ensureBuilt();
    w = await makeWorld();
  }, 120_000);
  afterAll(async () => {
    if (!HAS_TMUX) return;
    await execa('tmux', ['-S', SOCKET, 'kill-server'], { reject: false });
    await rm(SOCKET, { force: true });
    await w?.close();
  });

  it.skipIf(!HAS_TMUX)('`sentry-tg setup` answered by keystrokes: plugin mode from bot token to the test alert', async () => {
    await startBinary(w, ['--env-file', w.envFile, 'setup', '--mode', 'plugin', '--port', String(w.port), '--data-dir', w.dataDir, '--no-serve']);

    await waitForScreen(/\? Telegram bot token/);
    await type(TG_TOKEN);
    await waitForScreen(/Telegram bot: @sentry_tg_test_bot/);
    await waitForScreen(/Waiting for a message to @sentry_tg_test_bot… \d+ s left/);
    w.tg.pushMessage(PRIVATE_CHAT, '/start');
    await waitForScreen(/\? Which chat should receive the alerts\?\s*\n❯ private chat with Ada \(@ada\) \(5550001\)/);
    await keys('Enter');
    await answerButtonsAndSentry(w, 'n');
    await waitForScreen(/Plan:[\s\S]*\? Go ahead\? \(Y\/n\)/);
    await keys('Enter');
    const final = await waitForScreen(/Start the receiver with: sentry-tg serve --env-file/, 30_000);
    expect(await exitStatus()).toBe(0);
    expect(final).toContain('✔ The test alert arrived in Telegram.');
    expect(final).toMatch(/Telegram bot token \*{10,}/);
    expect(final).not.toContain(TG_TOKEN);
    expect(final).not.toContain(SENTRY_TOKEN);

    const env = parseDotenv(await readFile(w.envFile, 'utf8'));
    expect(env).toMatchObject({
      FOREIGN_KEY: 'keep-me',
      SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
      SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
      SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
      SENTRY_ORG: 'acme',
      SENTRY_PROJECT: 'backend',
      PUBLIC_URL: w.publicUrl,
      SENTRY_TG_ALLOWED_USERS: String(PRIVATE_CHAT),
      SENTRY_TG_MODE: 'plugin',
    });
    expect((await stat(w.envFile)).mode & 0o777).toBe(0o600);
    expect(final).not.toContain(env.SENTRY_WEBHOOK_SECRET!);
    expect(w.sentry.getPlugin('acme', 'backend')).toEqual({
      enabled: true,
      urls: `${w.publicUrl}/api/sentry-webhook/${urlToken(env.SENTRY_WEBHOOK_SECRET!)}`,
    });
    expect(w.sentry.getRules('acme', 'backend')).toHaveLength(1);
    const texts = w.tg.messagesIn(PRIVATE_CHAT).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('This is an example Python exception');
  }, 90_000);

  it.skipIf(!HAS_TMUX)('Ctrl-C at a prompt cancels cleanly: exit 0, nothing written', async () => {
    // A fresh env file: the one of the first test already holds every answer.
    const envFile = join(w.dir, 'cancel.env');
    const before = 'FOREIGN_KEY=keep-me\n';
    await writeFile(envFile, before, { mode: 0o644 });
    await startBinary(w, ['--env-file', envFile, 'setup', '--mode', 'plugin', '--port', String(w.port), '--data-dir', w.dataDir]);
    await waitForScreen(/\? Telegram bot token/);
    await keys('C-c');
    await waitForScreen(/Cancelled: nothing more was changed\./);
    expect(await exitStatus()).toBe(0);
    expect(await readFile(envFile, 'utf8')).toBe(before);
    expect((await stat(envFile)).mode & 0o777).toBe(0o644);
  }, 60_000);

  it.skipIf(!HAS_TMUX)('interrupted by Ctrl-C after "Go ahead", then resumed: one integration, one rule, a complete .env', async () => {
    const envFile = join(w.dir, 'resume.env');
    await writeFile(envFile, 'FOREIGN_KEY=keep-me\n', { mode: 0o600 });
    const args = ['--env-file', envFile, 'setup', '--mode', 'integration', '--port', String(w.port), '--data-dir', w.dataDir, '--no-serve'];
    const appsNow = () => [...w.sentry.state.sentryApps.values()].filter((a) => a.isInternal);
    const firstStarted = Date.now();
    await startBinary(w, args);
    await waitForScreen(/\? Telegram bot token/);
    await type(TG_TOKEN);
    await waitForScreen(/Waiting for a message to @sentry_tg_test_bot… \d+ s left/);
    // Pasted while waiting (issue 10, point 4): neither shown nor taken as the next answers.
    await type('pasted-while-waiting');
    await keys('Enter', 'Enter');
    await new Promise((r) => setTimeout(r, 300));
    w.tg.pushMessage(PRIVATE_CHAT, '/start');
    const asked = await waitForScreen(/\? Which chat should receive the alerts\?\s*\n❯ private chat with Ada/);
    expect(asked).not.toContain('pasted-while-waiting');
    await new Promise((r) => setTimeout(r, 300));
    // Still waiting for an answer: the Enters typed during the wait were dropped.
    expect(await screen()).not.toMatch(/Resolve \/ Archive/);
    await keys('Enter');
    await answerButtonsAndSentry(w, 'y');
    await waitForScreen(/Plan:[\s\S]*\? Go ahead\? \(Y\/n\)/);
    // Sentry is slow to list the rules right after the integration exists: Ctrl-C lands there.
    w.sentry.delayNext(/\/rules\/$/, 15_000);
    await keys('Enter');
    const deadline = Date.now() + 15_000;
    while (appsNow().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(appsNow()).toHaveLength(1);
    await keys('C-c');
    expect(await exitStatus()).not.toBe(0);
    const firstMs = Date.now() - firstStarted;
    const state = JSON.parse(await readFile(`${envFile}.setup-state`, 'utf8')) as { answers: Record<string, string> };
    expect(state.answers.SENTRY_TG_INTEGRATION).toBe(appsNow()[0]!.slug);
    expect((await stat(`${envFile}.setup-state`)).mode & 0o777).toBe(0o600);

    const rerunStarted = Date.now();
    await startBinary(w, args);
    const final = await waitForScreen(/Start the receiver with: sentry-tg serve --env-file/, 30_000);
    expect(await exitStatus()).toBe(0);
    const rerunMs = Date.now() - rerunStarted;
    console.info(`tty: first interactive run up to Ctrl-C ${firstMs} ms (typing included); resumed run ${rerunMs} ms`);
    expect(final).toContain('Resuming the unfinished setup');
    // Nothing was asked again.
    expect(final).not.toMatch(/^\? /m);
    expect(final).not.toContain(TG_TOKEN);
    expect(final).not.toContain(SENTRY_TOKEN);

    const apps = appsNow();
    expect(apps).toHaveLength(1);
    const rules = w.sentry.getRules('acme', 'backend').filter((r) => r.actions.some((a) => a.service === apps[0]!.slug));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.name).toBe('sentry-tg: new, regressed or frequent issues');
    const env = parseDotenv(await readFile(envFile, 'utf8'));
    expect(env).toMatchObject({
      FOREIGN_KEY: 'keep-me',
      SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
      SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
      SENTRY_WEBHOOK_SECRET: apps[0]!.clientSecret,
      SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
      SENTRY_ORG: 'acme',
      SENTRY_PROJECT: 'backend',
      SENTRY_TG_MODE: 'integration',
      SENTRY_TG_INTEGRATION: apps[0]!.slug,
      SENTRY_TG_ALLOWED_USERS: String(PRIVATE_CHAT),
      PUBLIC_URL: w.publicUrl,
    });
    await expect(stat(`${envFile}.setup-state`)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);
});
