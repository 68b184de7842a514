// Shared test plumbing: temp dirs, fixtures, Sentry-style requests, settings for a receiver.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../src/config/options.js';
import { storeBehind } from '../src/store/behind.js';
import type { Store } from '../src/store/store.js';
import { signBody } from '../src/receive/verify.js';
import type { ServeSettings } from '../src/commands/serve.js';
import { sentryJson } from './fakes/sentry.js';

// Copies of the payloads Sentry publishes, plus our own error.created (Sentry's example is only in
// its docs): kept in the repository so a clone on its own passes `npm test`.
export const FIXTURES_DIR = new URL('./fixtures/sentry/', import.meta.url);

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES_DIR), 'utf8'));
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort();
}

/** Which Sentry-Hook-Resource header Sentry sends with each fixture (none for the plugin). */
export function resourceOf(name: string): string | undefined {
  return name.startsWith('legacy') ? undefined : name.split('.')[0];
}

export function tempDir(prefix = 'sentry-tg-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export const SECRET = 'test-webhook-secret-0123456789abcdef';

/** Headers and body exactly as a Sentry internal integration sends them. */
export function sentryRequest(payload: unknown, opts: { resource?: string; secret?: string | null; requestId?: string } = {}) {
  const body = sentryJson(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'sentry/25.1.0 (https://sentry.io)',
  };
  if (opts.resource) {
    headers['sentry-hook-resource'] = opts.resource;
    headers['sentry-hook-timestamp'] = String(Math.floor(Date.now() / 1000));
    headers['request-id'] = opts.requestId ?? randomBytes(16).toString('hex');
  }
  const secret = opts.secret === undefined ? SECRET : opts.secret;
  if (secret && opts.resource) headers['sentry-hook-signature'] = signBody(secret, body);
  return { body, headers };
}

export function serveSettings(over: Partial<Settings> & { telegramToken: string; chatId: string; dataDir: string }): ServeSettings {
  return {
    sentryUrl: 'https://sentry.io',
    debugEndpoint: false,
    telegramApiRoot: 'http://127.0.0.1:9',
    allowedUsers: [],
    updates: true,
    port: 0,
    host: '127.0.0.1',
    bodyLimitBytes: 1024 * 1024,
    webhookSecret: SECRET,
    ...over,
  } as ServeSettings;
}

/** The synchronous SQLite store behind a receiver's (async) store, for assertions. */
export function sqliteOf(store: object): Store {
  return (storeBehind(store) ?? store) as Store;
}
