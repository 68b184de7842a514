// Reading the routes file: YAML text → a checked RoutesConfig, or one error that lists every
// problem with file:line:column, so a mistake stops the receiver at start-up and never shows up
// as a lost alert at 3 a.m. Pure: the caller reads the file and passes its text.
//
// The format:
//   default: {chat, topic?, locale?, template?, quiet?}       optional: alerts no route matched
//   routes:                                                    ordered; first match wins
//     - name: backend-team                                     unique; "default" is reserved
//       match: {project, environment, level, resource, rule, tags}   every key optional;
//                                                              a value or a list of values
//       chat: "-1002222222222" | "@channel"
//       topic: 5, locale: en|ru, template: compact
//       quiet: {from: "22:00", to: "08:00", tz: Europe/Moscow, loud_levels: [fatal]}
//       continue: false                                        true: later routes match too
// `level: error` means at least error (fatal > error > warning > info > debug); the exact form is
// `level: {exactly: warning}` (or a list). A list in the at-least form means at least the lowest.
// `resource` takes issue, event_alert, metric_alert, error, comment, seer, installation and
// `legacy` (the WebHooks plugin, whose alerts also match event_alert); a misspelling of one of
// these is an error, another well-formed name is accepted with a warning (Sentry adds resources).
// Unknown keys anywhere are errors. Quiet `to` may be "24:00"; `from` equal to `to` is never quiet
// (a warning). Problems that are allowed but probably not meant come back as `warnings`.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { core } from 'zod';
import { UserError } from '../errors.js';
import { KNOWN_RESOURCES, type RoutesConfig } from './config.js';
import { clockText } from './quiet.js';
import { routesFileSchema } from './routes-schema.js';
import { closest } from './typo.js';

type Path = ReadonlyArray<PropertyKey>;

/** The routes file cannot be used: every problem, each starting with file:line:column. */
export class RoutesFileError extends UserError {
  constructor(
    readonly fileName: string,
    readonly problems: readonly string[],
  ) {
    const one = problems.length === 1;
    const list = problems.map((p) => `  - ${p}`).join('\n');
    super(
      `${fileName} has ${one ? 'a problem' : `${problems.length} problems`}:\n${list}`,
      `Fix ${one ? 'it' : 'them'} in ${fileName} and start again.`,
      2,
    );
    this.name = 'RoutesFileError';
  }
}

interface Located {
  line: number;
  col: number;
  text: string;
}

/** Keys each object in the file may hold, found by the path to it. */
function allowedKeys(path: Path): readonly string[] {
  const last = path.at(-1);
  if (path.length === 0) return ['default', 'routes'];
  if (last === 'quiet') return ['from', 'to', 'tz', 'loud_levels'];
  if (last === 'match') return ['project', 'environment', 'level', 'resource', 'rule', 'tags'];
  if (last === 'default') return ['chat', 'topic', 'locale', 'template', 'quiet'];
  return ['name', 'match', 'chat', 'topic', 'locale', 'template', 'quiet', 'continue'];
}

class FileProblems {
  readonly found: Located[] = [];
  constructor(
    private readonly fileName: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly data: unknown,
  ) {}

  /** The deepest node the path reaches; a missing key points at the mapping that lacks it. */
  private node(path: Path, key?: string): Node | undefined {
    let node: unknown = this.doc.contents;
    const steps = key === undefined ? path : [...path, key];
    for (const step of steps) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (pair === undefined) break;
        // An unknown key points at itself; a key without a value at the key.
        const empty = pair.value === null || (isScalar(pair.value) && pair.value.value === null);
        node = step === key || empty ? pair.key : pair.value;
      } else if (isSeq(node) && typeof step === 'number' && node.items[step] !== undefined) {
        node = node.items[step];
      } else {
        break;
      }
    }
    return (node ?? undefined) as Node | undefined;
  }

  /** `routes[1] "ops".match.level`: the route's name helps find it in a long file. */
  private where(path: Path): string {
    let out = '';
    path.forEach((step, i) => {
      if (typeof step === 'number') {
        out += `[${step}]`;
        const name = i === 1 && path[0] === 'routes' ? this.routeName(step) : undefined;
        if (name !== undefined) out += ` "${name}"`;
      } else {
        out += `${out === '' ? '' : '.'}${String(step)}`;
      }
    });
    return out;
  }

  private routeName(index: number): string | undefined {
    const routes = (this.data as { routes?: unknown } | null)?.routes;
    const name = Array.isArray(routes) ? (routes[index] as { name?: unknown } | null)?.name : undefined;
    return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
  }

  add(path: Path, message: string, key?: string): void {
    const offset = this.node(path, key)?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    const where = this.where(key === undefined ? path : [...path, key]);
    const text = `${this.fileName}:${line}:${col}: ${where === '' ? '' : `${where}: `}${message}`;
    this.found.push({ line, col, text });
  }

  addIssue(issue: core.$ZodIssue): void {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(issue.path);
      for (const key of issue.keys) {
        const near = closest(key, allowed);
        const hint = near !== undefined ? `did you mean "${near}"?` : `use ${allowed.join(', ')}`;
        this.add(issue.path, `unknown key (${hint})`, key);
      }
      return;
    }
    this.add(issue.path, issue.message);
  }

  sorted(): string[] {
    return [...this.found].sort((a, b) => a.line - b.line || a.col - b.col).map((p) => p.text);
  }
}

/** Routes that are valid but probably not what the author meant. */
function findWarnings(config: Omit<RoutesConfig, 'warnings'>, warn: FileProblems): void {
  config.routes.forEach((route, i) => {
    (route.match.resource ?? []).forEach((name, j) => {
      if (!(KNOWN_RESOURCES as readonly string[]).includes(name)) {
        const message = `"${name}" is not a resource sentry-tg knows: this matches only if Sentry sends it`;
        warn.add(['routes', i, 'match', 'resource', j], message);
      }
    });
  });
  const quiets: Array<[Path, { fromMinuteOfDay: number; toMinuteOfDay: number } | undefined]> = [
    [['default', 'quiet'], config.default?.quiet],
    ...config.routes.map((r, i): [Path, typeof r.quiet] => [['routes', i, 'quiet'], r.quiet]),
  ];
  for (const [path, quiet] of quiets) {
    if (quiet !== undefined && quiet.fromMinuteOfDay === quiet.toMinuteOfDay) {
      const at = clockText(quiet.fromMinuteOfDay);
      warn.add(path, `from and to are both ${at}: never quiet (for all day, use "00:00" to "24:00")`);
    }
  }
  const catchAll = config.routes.findIndex((r) => Object.keys(r.match).length === 0 && !r.continue);
  if (catchAll >= 0) {
    const name = config.routes[catchAll]?.name ?? '';
    for (let i = catchAll + 1; i < config.routes.length; i++) {
      warn.add(['routes', i], `never matches: route "${name}" above matches every alert and does not continue`);
    }
    if (config.default !== undefined) warn.add(['default'], `is never used: route "${name}" matches every alert`);
  }
}

/** Read from the raw data, so a duplicate is reported even when other keys are wrong. */
function findDuplicateNames(data: unknown, problems: FileProblems): void {
  const routes = (data as { routes?: unknown }).routes;
  if (!Array.isArray(routes)) return;
  const firstByName = new Map<string, number>();
  routes.forEach((route: unknown, i) => {
    const raw = (route as { name?: unknown } | null)?.name;
    const name = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : undefined;
    if (name === undefined || name === '') return;
    const first = firstByName.get(name);
    if (first === undefined) firstByName.set(name, i);
    else problems.add(['routes', i, 'name'], `"${name}" is already the name of routes[${first}]: names must be unique`);
  });
}

/** Reads and checks the routes file's text; throws RoutesFileError listing every problem. */
export function loadRoutes(text: string, fileName: string): RoutesConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The structure is not trustworthy past a syntax error, so only those are reported.
    const syntax = new FileProblems(fileName, doc, lines, null);
    for (const err of doc.errors) {
      const { line, col } = lines.linePos(err.pos[0]);
      syntax.found.push({ line, col, text: `${fileName}:${line}:${col}: ${err.message}` });
    }
    throw new RoutesFileError(fileName, syntax.sorted());
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias bombs here; the message says so.
    throw new RoutesFileError(fileName, [`${fileName}: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const problems = new FileProblems(fileName, doc, lines, data);
  if (data === null || data === undefined) {
    problems.add([], 'is empty: add `routes:` (and optionally `default:`)');
    throw new RoutesFileError(fileName, problems.sorted());
  }
  const parsed = routesFileSchema.safeParse(data);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.addIssue(issue);
  findDuplicateNames(data, problems);
  if (!parsed.success || problems.found.length > 0) throw new RoutesFileError(fileName, problems.sorted());
  const config = { routes: parsed.data.routes ?? [], ...(parsed.data.default ? { default: parsed.data.default } : {}) };
  if (config.routes.length === 0 && config.default === undefined) {
    problems.add([], 'has no routes and no default chat: every alert would go nowhere (add `routes:` or `default:`)');
    throw new RoutesFileError(fileName, problems.sorted());
  }
  const warnings = new FileProblems(fileName, doc, lines, data);
  findWarnings(config, warnings);
  return { ...config, warnings: warnings.sorted() };
}

/** The file `serve`, doctor and setup use when SENTRY_TG_ROUTES is not set (if it exists). */
export const DEFAULT_ROUTES_FILE = 'sentry-tg.routes.yaml';

/** Where the routes file is: the setting, else the default name; `explicit` when set. */
export function routesFilePath(setting: string | undefined, cwd: string): { path: string; explicit: boolean } {
  return { path: resolve(cwd, setting ?? DEFAULT_ROUTES_FILE), explicit: setting !== undefined };
}

/**
 * Reads and checks a routes file. Null when the file does not exist; a RoutesFileError listing
 * every problem (file:line) when it is broken; an unreadable file is a RoutesFileError too.
 * `shownName` is how problems name the file (default: the path as given).
 */
export function readRoutesFile(path: string, shownName: string = path): RoutesConfig | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RoutesFileError(shownName, [`${shownName}: cannot be read: ${err instanceof Error ? err.message : String(err)}`]);
  }
  return loadRoutes(text, shownName);
}
