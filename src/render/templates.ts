// Which template file renders a message. Built-in templates sit in templates/ (English) and
// templates/<locale>/ (same names); SENTRY_TG_TEMPLATES names a folder laid out the same way
// whose files override them by name, plus template sets for routes in <folder>/<set>/.
//
// The lookup order, for template NAME in LOCALE (locale folder "" for en, "ru/" for ru) and a
// route's template SET — the first file that exists wins:
//   1. <folder>/<SET>/<locale folder>NAME.html    (only when the route names a set)
//   2. <folder>/<locale folder>NAME.html
//   3. built-in templates/<locale folder>NAME.html
// A language never falls back to another: a Russian message never takes an English override.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { LOCALES, type Locale } from '../i18n/locale.js';
import { closest } from '../route/typo.js';
import { compile, type Token } from './template.js';
import { checkTemplate } from './template-check.js';
import { isTemplateName, TEMPLATE_NAMES, type TemplateName } from './template-vars.js';

const BUILT_IN_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** Locale folders inside a templates folder or set (English sits at the top). */
const LOCALE_DIRS: readonly string[] = LOCALES.filter((l) => l !== 'en');

function localeDir(locale: Locale): string {
  return locale === 'en' ? '' : `${locale}/`;
}

/** The files that may render NAME, first match wins (the order documented at the top). */
export function templateCandidates(name: TemplateName, locale: Locale, set?: string, dir?: string): string[] {
  const file = `${localeDir(locale)}${name}.html`;
  return [...(dir && set ? [join(dir, set, file)] : []), ...(dir ? [join(dir, file)] : []), join(BUILT_IN_DIR, file)];
}

export interface TemplateRegistry {
  /** The SENTRY_TG_TEMPLATES folder; undefined = built-ins only. */
  readonly dir: string | undefined;
  /** Template sets (sub-folders) a route may name with `template:`. */
  readonly sets: readonly string[];
  /** The file that renders NAME in LOCALE for SET. */
  fileFor(name: TemplateName, locale: Locale, set?: string): string;
  tokens(name: TemplateName, locale: Locale, set?: string): Token[];
}

/** Every problem found in a templates folder, listed together. */
export class TemplatesError extends UserError {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(
      `SENTRY_TG_TEMPLATES (${dir}) has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'Fix the files (variables each template may use: README, "Templates"), then start again. `sentry-tg preview` shows the result.',
      2,
    );
    this.name = 'TemplatesError';
  }
}

function registry(dir: string | undefined, files: ReadonlyMap<string, Token[]>, sets: readonly string[]): TemplateRegistry {
  const builtIn = new Map<string, Token[]>();
  const fileFor = (name: TemplateName, locale: Locale, set?: string) => {
    const candidates = templateCandidates(name, locale, set, dir);
    return candidates.find((f) => files.has(f)) ?? candidates[candidates.length - 1]!;
  };
  return {
    dir,
    sets,
    fileFor,
    tokens(name, locale, set) {
      const file = fileFor(name, locale, set);
      const user = files.get(file);
      if (user) return user;
      let tokens = builtIn.get(file);
      if (!tokens) {
        tokens = compile(readFileSync(file, 'utf8'), file);
        builtIn.set(file, tokens);
      }
      return tokens;
    },
  };
}

let active: TemplateRegistry = registry(undefined, new Map(), []);

/** The registry render() uses (built-ins only until loadTemplates is given a folder). */
export function activeTemplates(): TemplateRegistry {
  return active;
}

/** The template sets routes may name; empty without SENTRY_TG_TEMPLATES. */
export function templateSetNames(): readonly string[] {
  return active.sets;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hint(wrong: string, names: readonly string[]): string {
  const near = closest(wrong, names);
  return near ? `did you mean ${near}?` : `known: ${names.join(', ')}`;
}

const TEMPLATE_FILES = TEMPLATE_NAMES.map((n) => `${n}.html`);

/** Reads `<folder>/[<locale>/]<name>.html` into `found`; anything else is a problem. */
function readLevel(
  dir: string,
  shown: string,
  allowDirs: readonly string[],
  found: Map<string, { name: TemplateName; shown: string }>,
  problems: string[],
  onDir?: (entry: string) => void,
): void {
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue; // .git, .DS_Store
    const path = join(dir, entry);
    if (isDir(path)) {
      // Top level: every folder is a locale or a set, read by the caller.
      if (onDir && allowDirs.length === 0) continue;
      if (allowDirs.includes(entry)) onDir?.(entry);
      else problems.push(`${shown}${entry}/: not a folder sentry-tg reads (${allowDirs.length ? hint(entry, allowDirs) : 'only <name>.html files go here'})`);
      continue;
    }
    const name = entry.endsWith('.html') ? entry.slice(0, -'.html'.length) : entry;
    if (entry.endsWith('.html') && isTemplateName(name)) found.set(path, { name, shown: `${shown}${entry}` });
    else problems.push(`${shown}${entry}: not a template name (${hint(entry, TEMPLATE_FILES)})`);
  }
}

/**
 * Reads and checks the SENTRY_TG_TEMPLATES folder and makes it the one render() uses; without a
 * folder, render() goes back to the built-in templates. Throws TemplatesError listing every
 * problem (file:line for the files) and changes nothing when there is one.
 */
export function loadTemplates(dir?: string): TemplateRegistry {
  if (dir === undefined || dir.trim() === '') {
    active = registry(undefined, new Map(), []);
    return active;
  }
  const root = resolve(dir);
  if (!existsSync(root) || !isDir(root)) {
    throw new UserError(`SENTRY_TG_TEMPLATES: ${dir} is not a folder.`, 'Point it at the folder of your templates, or unset it to use the built-in ones.');
  }
  const shownRoot = dir.endsWith('/') ? dir : `${dir}/`;
  const found = new Map<string, { name: TemplateName; shown: string }>();
  const problems: string[] = [];
  const sets: string[] = [];
  // Files here; the folders are read below.
  readLevel(root, shownRoot, [], found, problems, () => {});
  // The top level again, for folders: a locale folder, or a template set with its own locale folders.
  for (const entry of readdirSync(root).sort()) {
    const path = join(root, entry);
    if (entry.startsWith('.') || !isDir(path)) continue;
    if (LOCALE_DIRS.includes(entry)) {
      readLevel(path, `${shownRoot}${entry}/`, [], found, problems);
    } else if (entry === 'en') {
      problems.push(`${shownRoot}en/: English templates go directly in ${shownRoot}, not in en/`);
    } else {
      sets.push(entry);
      readLevel(path, `${shownRoot}${entry}/`, LOCALE_DIRS, found, problems, (sub) =>
        readLevel(join(path, sub), `${shownRoot}${entry}/${sub}/`, [], found, problems),
      );
    }
  }
  const files = new Map<string, Token[]>();
  for (const [path, { name, shown }] of found) {
    const source = readFileSync(path, 'utf8');
    const fileProblems = checkTemplate(source, shown, name);
    if (fileProblems.length) problems.push(...fileProblems);
    else files.set(path, compile(source, shown));
  }
  if (problems.length) throw new TemplatesError(dir, problems);
  active = registry(root, files, sets);
  return active;
}

/**
 * Routes naming a template set the folder does not have, as start-up problems. `where` says
 * which route (e.g. `sentry-tg.routes.yaml:12: route "backend"`).
 */
export function unknownTemplateSets(wanted: readonly { where: string; set: string }[], reg: TemplateRegistry = active): string[] {
  return wanted
    .filter((w) => !reg.sets.includes(w.set))
    .map((w) =>
      reg.dir === undefined
        ? `${w.where}: template set "${w.set}" needs SENTRY_TG_TEMPLATES (a folder with a ${w.set}/ folder of templates)`
        : `${w.where}: template set "${w.set}" is not a folder in ${reg.dir} (${reg.sets.length ? hint(w.set, reg.sets) : 'it has no sets'})`,
    );
}
