// Which language the team reads in Telegram. Sentry's own data (titles, messages, culprits,
// project names) is never translated: only the words sentry-tg adds around it.

export const LOCALES = ['en', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(raw: string): raw is Locale {
  return (LOCALES as readonly string[]).includes(raw);
}

/**
 * The default when SENTRY_TG_LOCALE is not set: Russian when the system language is (LC_ALL,
 * then LC_MESSAGES, then LANG, as POSIX orders them), else English.
 */
export function localeFromEnv(env: Readonly<Record<string, string | undefined>>): Locale {
  const lang = env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG'] || '';
  return lang.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export type PluralForms = { one: string; few?: string; many?: string; other: string };

const RULES: Record<Locale, Intl.PluralRules> = {
  en: new Intl.PluralRules('en'),
  ru: new Intl.PluralRules('ru'),
};

/** The word for `n` things: en one/other; ru one (1, 21), few (2–4, 22), many (5–20, 11). */
export function pluralWord(locale: Locale, n: number, forms: PluralForms): string {
  const category = RULES[locale].select(n);
  if (category === 'one') return forms.one;
  if (category === 'few') return forms.few ?? forms.other;
  if (category === 'many') return forms.many ?? forms.other;
  return forms.other;
}

/** `5 events`, `5 событий`. */
export function counted(locale: Locale, n: number, forms: PluralForms): string {
  return `${n} ${pluralWord(locale, n, forms)}`;
}
