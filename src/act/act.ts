// The step after delivery: people act on alerts from Telegram. Registers the bot's commands,
// then reads updates and hands button presses and commands to their handlers.
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Telegram } from '../telegram/client.js';
import type { TgUpdate } from '../telegram/types.js';
import type { Logger } from '../log/logger.js';
import type { SentryApi } from '../sentry/api.js';
import type { AsyncStore, ReplicaCoordination } from '../store/async-store.js';
import { createCallbackHandler } from './callbacks.js';
import { createCommandHandler, type StatusView } from './bot-commands.js';
import { LOCALES, type Locale } from '../i18n/index.js';
import { botCommands } from './command-parse.js';
import { startUpdateLoop, type UpdateLoopConfig, type UpdatesState } from './updates.js';

export interface ActDeps {
  /** Chat messages (answers, edits) go through the dispatcher's pacing, never straight here. */
  telegram: Pick<Telegram, 'getUpdates' | 'answerCallbackQuery' | 'setMyCommands'>;
  store: AsyncStore;
  dispatcher: Pick<Dispatcher, 'update' | 'say'>;
  /** Null when write-back is off (no token, organisation or allowed users). */
  sentry: Pick<SentryApi, 'updateIssue'> | null;
  /** Why buttons are off, for /status and /help; null when they are on. */
  buttonsOff: string | null;
  /** The main alert chat: mutes typed in a private chat with the bot apply there. */
  chatId: string;
  /** Every chat alerts go to (routes and default); commands are taken there. Default: [chatId]. */
  chatIds?: readonly string[];
  allowedUsers: readonly number[];
  botUsername: () => string | null;
  status: () => Omit<StatusView, 'updates' | 'buttonsOff'> | Promise<Omit<StatusView, 'updates' | 'buttonsOff'>>;
  logger: Logger;
  now?: () => number;
  updates?: Partial<UpdateLoopConfig>;
  /** The language of answers and of the command list users without a listed language see. */
  locale?: Locale;
  /** Replicas sharing the database: only the leader reads updates. */
  replicas?: ReplicaCoordination | null;
  leadLeaseMs?: number;
  /** The language of answers in a given alert chat (its route's locale); default: `locale`. */
  localeOf?: (chatId: string) => Locale;
}

export type Acting = ReturnType<typeof startActing>;

export function startActing(deps: ActDeps) {
  const { telegram, logger } = deps;
  const now = deps.now ?? Date.now;
  let updatesState: () => UpdatesState = () => 'starting';
  const alertChats = deps.chatIds ?? [deps.chatId];
  // A group upgraded to a supergroup is known by its new id; its route still names the old one.
  const routeLocale = deps.localeOf;
  const localeOf = routeLocale
    ? async (chatId: string): Promise<Locale> => {
        if (alertChats.includes(chatId)) return routeLocale(chatId);
        for (const c of alertChats) if ((await deps.store.migratedTo(c)) === chatId) return routeLocale(c);
        return routeLocale(chatId);
      }
    : undefined;

  const onCallback = createCallbackHandler({
    telegram,
    store: deps.store,
    dispatcher: deps.dispatcher,
    sentry: deps.sentry,
    allowedUsers: deps.allowedUsers,
    logger: logger.child({ part: 'buttons' }),
    now,
    ...(deps.locale ? { locale: deps.locale } : {}),
    ...(localeOf ? { localeOf } : {}),
  });
  const onMessage = createCommandHandler({
    dispatcher: deps.dispatcher,
    store: deps.store,
    chatId: deps.chatId,
    ...(deps.chatIds ? { chatIds: deps.chatIds } : {}),
    allowedUsers: deps.allowedUsers,
    botUsername: deps.botUsername,
    status: async () => ({ ...(await deps.status()), updates: updatesState(), buttonsOff: deps.buttonsOff }),
    buttonsOff: deps.buttonsOff,
    logger: logger.child({ part: 'commands' }),
    now,
    ...(deps.locale ? { locale: deps.locale } : {}),
    ...(localeOf ? { localeOf } : {}),
  });

  // In the background: an unreachable Telegram must not hold up the receiver's start.
  // The default list in the configured language, and one per language, so each user's Telegram
  // shows the descriptions in their own app language where we have it.
  const registered = Promise.all([
    telegram.setMyCommands(botCommands(deps.locale)),
    ...LOCALES.map((l) => telegram.setMyCommands(botCommands(l), l)),
  ]).catch((err: unknown) => {
    logger.warn({ err: (err as Error).message }, 'could not register the bot commands (setMyCommands); they still work when typed');
  });

  const loop = startUpdateLoop({
    telegram,
    store: deps.store,
    logger: logger.child({ part: 'updates' }),
    ...(deps.updates ? { config: deps.updates } : {}),
    replicas: deps.replicas ?? null,
    ...(deps.leadLeaseMs ? { leadLeaseMs: deps.leadLeaseMs } : {}),
    handle: async (update: TgUpdate) => {
      if (update.callback_query) return onCallback(update.callback_query);
      if (update.message) return onMessage(update.message);
      return undefined;
    },
  });
  updatesState = loop.state;

  return {
    updatesState: () => loop.state(),
    /** Whether this process reads the updates (the leader among replicas). */
    leading: () => loop.leading(),
    async stop(): Promise<void> {
      await loop.stop();
      await registered;
    },
  };
}
