// The routes the receiver starts with: the routes file (SENTRY_TG_ROUTES, or
// ./sentry-tg.routes.yaml when it exists), checked in full before anything listens — every
// problem with file:line, never a lost alert at 3 a.m. — or, without a file, the single chat
// from .env (today's behaviour).
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_ROUTES_FILE } from '../config/options.js';
import { ConfigError, UserError } from '../errors.js';
import { singleChatRoutes, type RoutesConfig } from '../route/config.js';
import { loadRoutes } from '../route/routes-file.js';

export { DEFAULT_ROUTES_FILE };

export interface StartRoutes {
  routes: RoutesConfig;
  /** The routes file as named (null: none, the single chat from .env). */
  file: string | null;
}

export interface RoutesInput {
  /** SENTRY_TG_ROUTES; undefined: the default file if it exists. */
  path?: string | undefined;
  cwd: string;
  /** SENTRY_ALERT_CHAT_ID and its topic: the default destination when the file has no `default:`. */
  chatId?: string | undefined;
  topicId?: number | undefined;
  /** Reads a file (tests pass their own); node:fs by default. */
  readFile?: (path: string) => string;
}

/** Throws RoutesFileError (every problem, file:line), or a UserError/ConfigError saying what to set. */
export function startRoutes(input: RoutesInput): StartRoutes {
  const read = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const named = input.path !== undefined && input.path.trim() !== '' ? input.path : undefined;
  const shown = named ?? DEFAULT_ROUTES_FILE;
  const full = isAbsolute(shown) ? shown : resolve(input.cwd, shown);
  let text: string | null = null;
  try {
    text = read(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (named !== undefined || code !== 'ENOENT') {
      throw new UserError(
        `Cannot read the routes file ${shown}: ${code === 'ENOENT' ? 'it does not exist' : (err as Error).message}.`,
        named !== undefined ? 'Check SENTRY_TG_ROUTES (or --routes), or unset it to post to SENTRY_ALERT_CHAT_ID.' : `Check ${full} and its permissions.`,
      );
    }
  }
  if (text === null) {
    if (input.chatId === undefined) {
      throw new ConfigError([
        `SENTRY_ALERT_CHAT_ID is not set (or pass --chat-id), and there is no routes file (SENTRY_TG_ROUTES or ./${DEFAULT_ROUTES_FILE}): nowhere to post alerts`,
      ]);
    }
    return { routes: singleChatRoutes(input.chatId, input.topicId), file: null };
  }
  const checked = loadRoutes(text, shown);
  if (checked.default !== undefined || input.chatId === undefined) return { routes: checked, file: shown };
  // No `default:` in the file: SENTRY_ALERT_CHAT_ID takes the alerts no route matched.
  return { routes: { ...checked, default: singleChatRoutes(input.chatId, input.topicId).default! }, file: shown };
}

/** Every chat the routes post to, in file order, the default last (each once). */
export function routeChats(routes: RoutesConfig): string[] {
  const chats = [...routes.routes.map((r) => r.chatId), ...(routes.default ? [routes.default.chatId] : [])];
  return [...new Set(chats)];
}
