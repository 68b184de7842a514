// The message catalogue: `messages(locale)` gives every word sentry-tg shows in Telegram.
import { en, type Catalogue } from './en.js';
import { ru } from './ru.js';
import type { Locale } from './locale.js';

export { counted, isLocale, LOCALES, localeFromEnv, pluralWord, type Locale, type PluralForms } from './locale.js';
export type { Catalogue, MessageKey } from './en.js';

const CATALOGUES: Record<Locale, Catalogue> = { en, ru };

export function messages(locale: Locale = 'en'): Catalogue {
  return CATALOGUES[locale];
}
