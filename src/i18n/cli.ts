// `cliText(locale)`: setup's and doctor's words in the terminal (cli-en.ts, cli-ru.ts).
import { cliEn, type CliKey } from './cli-en.js';
import { cliRu } from './cli-ru.js';
import type { Locale } from './locale.js';

export type { CliKey } from './cli-en.js';
export type CliVars = Readonly<Record<string, string | number>>;
export type CliText = (key: CliKey, vars?: CliVars) => string;

const CATALOGUES: Record<Locale, Readonly<Record<CliKey, string>>> = { en: cliEn, ru: cliRu };

/** The {name} placeholders of a text, sorted (for the both-languages test). */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]!).sort();
}

export function cliText(locale: Locale = 'en'): CliText {
  const catalogue = CATALOGUES[locale];
  return (key, vars = {}) =>
    catalogue[key].replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : whole));
}
