// What each button under an issue alert does. Pure: the keyboard for a state, what a press
// means, the exact body Sentry receives, and the line the message shows afterwards.
//
// callback_data is `a:<key>:<code>`: the 10-character key stands for the chat, message, issue
// and organisation (looked up in the store), so the data stays far below Telegram's 64 bytes.
import type { InlineButton } from '../telegram/types.js';
import { cutUtf16 } from '../render/fit.js';
import { linkUrl } from '../render/link.js';
import type { IssueUpdate } from '../sentry/api.js';
import type { CallbackRow } from '../store/store.js';

/** Button codes as they travel in callback_data. */
export const ACTION_CODES = ['r', 'ur', 'am', 'a1', 'a24', 'ae', 'af', 'ua', 'b'] as const;
export type ActionCode = (typeof ACTION_CODES)[number];

/** The codes that change the issue in Sentry (the others only switch the keyboard). */
export type SentryAction = Exclude<ActionCode, 'am' | 'b'>;

export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';

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

const LABEL: Record<ActionCode, string> = {
  r: 'Resolve',
  ur: 'Unresolve',
  am: 'Archive ▾',
  a1: '1 h',
  a24: '24 h',
  ae: 'Until escalating',
  af: 'Forever',
  ua: 'Unarchive',
  b: '← Back',
};

export type Menu = 'main' | 'archive';

/**
 * The buttons for an issue in `status`: Resolve · Archive ▾ · Open in Sentry while it is open;
 * Unresolve or Unarchive once it is resolved or archived; the archive durations on demand.
 */
export function actionKeyboard(status: IssueStatus, key: string, url: string | undefined, menu: Menu = 'main'): InlineButton[][] {
  const button = (code: ActionCode): InlineButton => ({ text: LABEL[code], callback_data: callbackData(key, code) });
  if (menu === 'archive') {
    return [[button('a1'), button('a24')], [button('ae'), button('af')], [button('b')]];
  }
  const row =
    status === 'resolved' ? [button('ur')] : status === 'ignored' ? [button('ua')] : [button('r'), button('am')];
  // Only a link Telegram takes: one it refuses would fail the whole message.
  const link = linkUrl(url);
  if (link) row.push({ text: 'Open in Sentry', url: link });
  return [row];
}

/**
 * The exact PUT /organizations/{org}/issues/{id}/ body for each action. Unresolving sends the
 * status alone: Sentry then sets the substatus itself (ongoing, or new for a young issue).
 */
export function sentryBody(code: SentryAction): IssueUpdate {
  switch (code) {
    case 'r':
      return { status: 'resolved' };
    case 'a1':
      return { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreDuration: 60 } };
    case 'a24':
      return { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreDuration: 1440 } };
    case 'ae':
      return { status: 'ignored', substatus: 'archived_until_escalating' };
    case 'af':
      return { status: 'ignored', substatus: 'archived_forever' };
    case 'ur':
    case 'ua':
      return { status: 'unresolved' };
  }
}

/** The status an action leaves the issue in. */
export function statusAfter(code: SentryAction): IssueStatus {
  return code === 'r' ? 'resolved' : code === 'ur' || code === 'ua' ? 'unresolved' : 'ignored';
}

const DONE: Record<SentryAction, { emoji: string; words: string }> = {
  r: { emoji: '✅', words: 'Resolved' },
  a1: { emoji: '🔕', words: 'Archived for 1 h' },
  a24: { emoji: '🔕', words: 'Archived for 24 h' },
  ae: { emoji: '🔕', words: 'Archived until escalating' },
  af: { emoji: '🔕', words: 'Archived forever' },
  ur: { emoji: '🔄', words: 'Unresolved' },
  ua: { emoji: '🔄', words: 'Unarchived' },
};

/** `14:02 UTC` */
export function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** How the message names the person who pressed: @username, else the first name. */
export function whoPressed(from: { username?: string; first_name: string; id: number }): string {
  if (from.username) return `@${from.username}`;
  return from.first_name.trim() || `user ${from.id}`;
}

/** The status line after a successful action: `✅ Resolved by @jane · 14:02 UTC`. */
export function actionLine(code: SentryAction, who: string, atMs: number): string {
  const d = DONE[code];
  return `${d.emoji} ${d.words} by ${who} · ${clock(atMs)}`;
}

/** The short answer the presser sees on success. */
export function actionToast(code: SentryAction): string {
  return `${DONE[code].words} in Sentry ${DONE[code].emoji}`;
}

// Telegram counts an answer's 200 characters like message text, in UTF-16 code units.
const ANSWER_LIMIT = 200;

export function fitAnswer(text: string): string {
  return text.length <= ANSWER_LIMIT ? text : `${cutUtf16(text, ANSWER_LIMIT - 1)}…`;
}

/** What Sentry said when an action failed, in the ≤ 200 characters an answer allows. */
export function failureAnswer(code: SentryAction, reason: string): string {
  const verb = code === 'r' ? 'resolve' : code === 'ur' ? 'unresolve' : code === 'ua' ? 'unarchive' : 'archive';
  return fitAnswer(`Could not ${verb} in Sentry: ${reason}`);
}

export interface PressInput {
  /** The presser's Telegram user id. */
  fromId: number;
  allowedUsers: readonly number[];
  /** callback_data as received. */
  data: string | undefined;
  /** The store's row for the key in the data, if any. */
  callback: CallbackRow | null;
  /** The chat the pressed message is in, as Telegram says. */
  chat: { id: number | string; username?: string } | undefined;
  /** Write-back is configured (Sentry token and organisation). */
  canWrite: boolean;
}

export type PressDecision =
  | { kind: 'refuse'; text: string; alert: boolean }
  | { kind: 'menu'; callback: CallbackRow; menu: Menu }
  | { kind: 'sentry'; callback: CallbackRow; code: SentryAction; body: IssueUpdate };

export const NOT_ALLOWED = 'Not allowed: your Telegram user id is not in SENTRY_TG_ALLOWED_USERS.';
export const EXPIRED = 'This button is no longer active: use the newest message for this issue.';

/** Alerts to a channel may be configured as `@name`; Telegram reports the numeric id. */
function sameChat(stored: string, chat: PressInput['chat']): boolean {
  if (!chat) return false;
  if (String(chat.id) === stored) return true;
  return chat.username !== undefined && stored.toLowerCase() === `@${chat.username.toLowerCase()}`;
}

/** Decides what a button press does. The allow-list comes first: a stranger changes nothing. */
export function decidePress(input: PressInput): PressDecision {
  if (!input.allowedUsers.includes(input.fromId)) {
    return { kind: 'refuse', text: `${NOT_ALLOWED} (Your id: ${input.fromId}.)`, alert: true };
  }
  const parsed = parseCallbackData(input.data);
  const cb = input.callback;
  if (!parsed || !cb || cb.key !== parsed.key || !sameChat(cb.chatId, input.chat)) {
    return { kind: 'refuse', text: EXPIRED, alert: false };
  }
  if (!input.canWrite) {
    return { kind: 'refuse', text: 'Actions are off on this receiver: it needs SENTRY_AUTH_TOKEN and SENTRY_ORG.', alert: true };
  }
  if (parsed.code === 'am') return { kind: 'menu', callback: cb, menu: 'archive' };
  if (parsed.code === 'b') return { kind: 'menu', callback: cb, menu: 'main' };
  return { kind: 'sentry', callback: cb, code: parsed.code, body: sentryBody(parsed.code) };
}
