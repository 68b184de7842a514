// How a target chat is posted to: its language, template set and quiet hours, from the route
// that chose it (kept with each outbox row) — read at send time, so quiet hours follow the clock
// when the message goes out, not when Sentry called.
import type { Locale } from '../i18n/index.js';
import type { Level } from '../normalise/alert.js';
import { DEFAULT_ROUTE_NAME, type Destination, type RoutesConfig } from '../route/config.js';
import { isQuiet, type QuietHours } from '../route/quiet.js';

export interface DestinationSettings {
  locale: Locale;
  /** A template set name from SENTRY_TG_TEMPLATES; undefined: the built-in templates. */
  template?: string;
  quiet?: QuietHours;
}

export type DestinationOf = (chatId: string, routeName: string | null) => DestinationSettings;

/**
 * The route by name (`default` is the default chat); for an unknown or null name (rows from
 * before routes, button edits), the first route (or default) that posts to the chat; else the
 * global locale with no template and no quiet hours.
 */
export function destinationsOf(routes: RoutesConfig | undefined, locale: Locale): DestinationOf {
  const settings = (d: Destination): DestinationSettings => ({
    locale: d.locale ?? locale,
    ...(d.template !== undefined ? { template: d.template } : {}),
    ...(d.quiet !== undefined ? { quiet: d.quiet } : {}),
  });
  const byName = new Map<string, DestinationSettings>();
  const byChat = new Map<string, DestinationSettings>();
  const all: [string, Destination][] = [
    ...(routes?.routes ?? []).map((r): [string, Destination] => [r.name, r]),
    ...(routes?.default ? [[DEFAULT_ROUTE_NAME, routes.default] as [string, Destination]] : []),
  ];
  for (const [name, d] of all) {
    byName.set(name, settings(d));
    if (!byChat.has(d.chatId)) byChat.set(d.chatId, settings(d));
  }
  const global: DestinationSettings = { locale };
  return (chatId, routeName) => (routeName !== null ? byName.get(routeName) : undefined) ?? byChat.get(chatId) ?? global;
}

/** The language of a chat's bot replies and press answers: the chat's route locale, else `locale`. */
export type LocaleOf = (chatId: string) => Locale;

/** Same fallback order as `destinationsOf`, with no route name (a command is not tied to one). */
export function localesOf(routes: RoutesConfig | undefined, locale: Locale): LocaleOf {
  const of = destinationsOf(routes, locale);
  return (chatId) => of(chatId, null).locale;
}

/** Post without a notification sound: quiet hours at `atMs` and no alert is of a loud level. */
export function silentAt(dest: DestinationSettings, levels: readonly (Level | null)[], atMs: number): boolean {
  const quiet = dest.quiet;
  if (quiet === undefined) return false;
  return levels.every((level) => isQuiet(quiet, level, atMs));
}
