// What a button press does. Pure: who may press, whether the button is still live, the exact
// body Sentry receives, and the short answers the presser sees.
import { parseCallbackData, type Menu, type SentryAction } from '../issue/actions.js';
import { messages, type Locale } from '../i18n/index.js';
import { cutUtf16 } from '../render/fit.js';
import type { IssueUpdate } from '../sentry/api.js';
import type { CallbackRow } from '../store/store.js';

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

// Telegram counts an answer's 200 characters like message text, in UTF-16 code units.
const ANSWER_LIMIT = 200;

export function fitAnswer(text: string): string {
  return text.length <= ANSWER_LIMIT ? text : `${cutUtf16(text, ANSWER_LIMIT - 1)}…`;
}

/** What Sentry said when an action failed, in the ≤ 200 characters an answer allows. */
export function failureAnswer(code: SentryAction, reason: string, locale: Locale = 'en'): string {
  const t = messages(locale);
  const say =
    code === 'r' ? t.pressFailedResolve : code === 'ur' ? t.pressFailedUnresolve : code === 'ua' ? t.pressFailedUnarchive : t.pressFailedArchive;
  return fitAnswer(say(reason));
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
  /** The language of the answers; English when absent. */
  locale?: Locale;
}

export type PressDecision =
  | { kind: 'refuse'; text: string; alert: boolean }
  | { kind: 'menu'; callback: CallbackRow; menu: Menu }
  | { kind: 'sentry'; callback: CallbackRow; code: SentryAction; body: IssueUpdate };

export const NOT_ALLOWED = 'Not allowed: your Telegram user id is not in SENTRY_TG_ALLOWED_USERS.';
export const EXPIRED = messages('en').pressExpired;

/** Alerts to a channel may be configured as `@name`; Telegram reports the numeric id. */
function sameChat(stored: string, chat: PressInput['chat']): boolean {
  if (!chat) return false;
  if (String(chat.id) === stored) return true;
  return chat.username !== undefined && stored.toLowerCase() === `@${chat.username.toLowerCase()}`;
}

/** Decides what a button press does. The allow-list comes first: a stranger changes nothing. */
export function decidePress(input: PressInput): PressDecision {
  const t = messages(input.locale);
  if (!input.allowedUsers.includes(input.fromId)) {
    return { kind: 'refuse', text: t.pressNotAllowed(input.fromId), alert: true };
  }
  const parsed = parseCallbackData(input.data);
  const cb = input.callback;
  if (!parsed || !cb || cb.key !== parsed.key || !sameChat(cb.chatId, input.chat)) {
    return { kind: 'refuse', text: t.pressExpired, alert: false };
  }
  if (!input.canWrite) {
    return { kind: 'refuse', text: t.pressActionsOff, alert: true };
  }
  if (parsed.code === 'am') return { kind: 'menu', callback: cb, menu: 'archive' };
  if (parsed.code === 'b') return { kind: 'menu', callback: cb, menu: 'main' };
  return { kind: 'sentry', callback: cb, code: parsed.code, body: sentryBody(parsed.code) };
}
