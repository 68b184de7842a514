// A button press: check who pressed, change the issue in Sentry, answer the press, and have the
// dispatcher show the new state on the message. Every press is answered, whatever happens; on
// a refusal or a Sentry error the message stays as it was.
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Telegram } from '../telegram/client.js';
import type { TgCallbackQuery } from '../telegram/types.js';
import type { Logger } from '../log/logger.js';
import { SentryApiError, type SentryApi } from '../sentry/api.js';
import type { AsyncStore } from '../store/async-store.js';
import { actionToast, parseCallbackData, whoPressed } from '../issue/actions.js';
import { messages, type Locale } from '../i18n/index.js';
import { decidePress, failureAnswer, fitAnswer } from './press.js';

export interface CallbackDeps {
  telegram: Pick<Telegram, 'answerCallbackQuery'>;
  store: Pick<AsyncStore, 'callback'>;
  dispatcher: Pick<Dispatcher, 'update'>;
  /** Null when write-back is not configured. */
  sentry: Pick<SentryApi, 'updateIssue'> | null;
  allowedUsers: readonly number[];
  logger: Logger;
  now: () => number;
  /** The language of the answers; English when absent. */
  locale?: Locale;
  /** The language of answers to presses in a chat (its route's locale); default: `locale`. */
  localeOf?: (chatId: string) => Locale | Promise<Locale>;
}

/** Sentry's reason for a failed call, short enough for an answer. */
export function sentryReason(err: unknown): string {
  if (err instanceof SentryApiError) return err.hint || err.detail || err.message;
  return err instanceof Error ? err.message : String(err);
}

export function createCallbackHandler(deps: CallbackDeps) {
  const { telegram, store, dispatcher, logger } = deps;
  const fallback = deps.locale ?? 'en';
  /** The chat the button's message was posted to (as configured, maybe `@name`), else the pressed one. */
  const localeFor = async (query: TgCallbackQuery, chatId: string | undefined): Promise<Locale> => {
    const chat = chatId ?? (query.message ? String(query.message.chat.id) : undefined);
    return chat !== undefined && deps.localeOf ? deps.localeOf(chat) : fallback;
  };

  async function answer(query: TgCallbackQuery, text?: string, alert = false): Promise<void> {
    try {
      await telegram.answerCallbackQuery({
        callback_query_id: query.id,
        ...(text ? { text: fitAnswer(text) } : {}),
        ...(alert ? { show_alert: true } : {}),
      });
    } catch (err) {
      // Usually "query is too old": Telegram gave up waiting; the outcome still stands.
      logger.warn({ err: (err as Error).message }, 'could not answer a button press');
    }
  }

  /** Every press is answered, even when something here fails, or the client keeps spinning. */
  return async function handleCallback(query: TgCallbackQuery): Promise<void> {
    let answered = false;
    const once = (text?: string, alert = false) => {
      answered = true;
      return answer(query, text, alert);
    };
    try {
      await handle(query, once);
    } catch (err) {
      logger.error({ err, data: query.data }, 'a button press failed');
      if (!answered) await answer(query, messages(await localeFor(query, undefined)).pressInternalError, true);
    }
  };

  async function handle(query: TgCallbackQuery, respond: (text?: string, alert?: boolean) => Promise<void>): Promise<void> {
    const parsedKey = parseCallbackData(query.data)?.key;
    const callback = parsedKey ? await store.callback(parsedKey) : null;
    const locale = await localeFor(query, callback?.chatId);
    const decision = decidePress({
      fromId: query.from.id,
      allowedUsers: deps.allowedUsers,
      data: query.data,
      callback,
      chat: query.message?.chat,
      canWrite: deps.sentry !== null,
      locale,
    });
    const log = logger.child({ userId: query.from.id, data: query.data });

    if (decision.kind === 'refuse') {
      log.info({ reason: decision.text }, 'button press refused');
      return respond(decision.text, decision.alert);
    }
    const cb = decision.callback;
    if (decision.kind === 'menu') {
      await respond();
      void dispatcher.update(cb.chatId, cb.messageId, { kind: 'menu', menu: decision.menu });
      return;
    }

    const sentry = deps.sentry;
    if (!sentry) return respond(messages(locale).pressActionsOff, true); // decidePress already refuses this
    let issue: Awaited<ReturnType<SentryApi['updateIssue']>>;
    try {
      issue = await sentry.updateIssue(cb.org, cb.issueId, decision.body);
    } catch (err) {
      log.warn({ issueId: cb.issueId, err: (err as Error).message }, 'Sentry refused a button action');
      return respond(failureAnswer(decision.code, sentryReason(err), locale), true);
    }
    const who = whoPressed(query.from);
    log.info({ issueId: cb.issueId, action: decision.code, who }, 'issue changed in Sentry from Telegram');
    await respond(actionToast(decision.code, locale));
    // Not awaited: the message follows in the chat's paced turn; the next press need not wait.
    void dispatcher.update(cb.chatId, cb.messageId, {
      kind: 'action',
      code: decision.code,
      who,
      at: deps.now(),
      status: issue.status,
      substatus: issue.substatus,
    });
  }
}
