// What each button under an issue alert does, as data: the codes that travel in callback_data,
// the status an action leaves the issue in, and the line the message shows afterwards. Pure;
// act/ decides presses with it, deliver/ and render/ show its results.
//
// callback_data is `a:<key>:<code>`: the 10-character key stands for the chat, message, issue
// and organisation (looked up in the store), so the data stays far below Telegram's 64 bytes.
import { messages, type Catalogue, type Locale } from '../i18n/index.js';
import { clock } from './clock.js';

/** Button codes as they travel in callback_data. */
export const ACTION_CODES = ['r', 'ur', 'am', 'a1', 'a24', 'ae', 'af', 'ua', 'b'] as const;
export type ActionCode = (typeof ACTION_CODES)[number];

/** The codes that change the issue in Sentry (the others only switch the keyboard). */
export type SentryAction = Exclude<ActionCode, 'am' | 'b'>;

export const KEY_LENGTH = 10;
const KEY_SHAPE = /^[A-Za-z0-9_-]{10}$/;
const MAX_CALLBACK_DATA_BYTES = 64;

export function callbackData(key: string, code: ActionCode): string {
  const data = `a:${key}:${code}`;
  if (!KEY_SHAPE.test(key) || Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES) throw new Error(`bad callback key "${key}"`);
  return data;
}

export function parseCallbackData(data: string | undefined): { key: string; code: ActionCode } | null {
  const m = /^a:([A-Za-z0-9_-]{10}):([a-z0-9]{1,3})$/.exec(data ?? '');
  if (!m) return null;
  const code = m[2] as ActionCode;
  return ACTION_CODES.includes(code) ? { key: m[1]!, code } : null;
}

/** Which buttons a message shows: the main row, or the archive durations. */
export type Menu = 'main' | 'archive';

const DONE: Record<SentryAction, { emoji: string; words: keyof Catalogue }> = {
  r: { emoji: '✅', words: 'doneResolved' },
  a1: { emoji: '🔕', words: 'doneArchived1h' },
  a24: { emoji: '🔕', words: 'doneArchived24h' },
  ae: { emoji: '🔕', words: 'doneArchivedEscalating' },
  af: { emoji: '🔕', words: 'doneArchivedForever' },
  ur: { emoji: '🔄', words: 'doneUnresolved' },
  ua: { emoji: '🔄', words: 'doneUnarchived' },
};

/** How the message names the person who pressed: @username, else the first name. */
export function whoPressed(from: { username?: string; first_name: string; id: number }): string {
  if (from.username) return `@${from.username}`;
  return from.first_name.trim() || `user ${from.id}`;
}

/** The status line after a successful action: `✅ Resolved by @jane · 14:02 UTC`. */
export function actionLine(code: SentryAction, who: string, atMs: number, locale: Locale = 'en'): string {
  const t = messages(locale);
  const d = DONE[code];
  return t.actionLine(d.emoji, t[d.words] as string, who, clock(atMs));
}

/** The short answer the presser sees on success. */
export function actionToast(code: SentryAction, locale: Locale = 'en'): string {
  const t = messages(locale);
  return t.actionToast(t[DONE[code].words] as string, DONE[code].emoji);
}
