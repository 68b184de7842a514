// The Sentry transport: base URL, bearer auth, a timeout per request, Link-header paging and
// rate-limit headers, with every failure turned into one SentryApiError. It knows nothing of
// endpoints or answer shapes. The auth token lives in this closure and in the Authorization
// header, nowhere else: it is scrubbed from anything Sentry echoes back before that text
// reaches an error.
import { UserError } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import { SentryApiError } from './errors.js';
import { httpHint, networkHint, notSentryHint, shapeHint } from './hints.js';
import type { SentryApiMethod } from './types.js';

export interface SentryApiOptions {
  /** e.g. https://sentry.io, https://de.sentry.io or a self-hosted URL; no `/api/0`. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Clock for Retry-After dates and rate-limit reset times. Default Date.now. */
  now?: () => number;
  /** Per request, including reading the body. Default 10000. */
  timeoutMs?: number;
  /** Upper bound on pages followed by list calls. Default 50. */
  maxPages?: number;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string>;
}

export interface Transport {
  /** Normalised SENTRY_URL (no trailing slash, no `/api/0`). */
  readonly base: string;
  call(name: SentryApiMethod, method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** GETs every page of a list (up to maxPages) and returns the items in order. */
  list(name: SentryApiMethod, path: string): Promise<unknown[]>;
  /** Removes the token from text Sentry sent back. */
  scrub(text: string): string;
  /** A 2xx answer whose body is not what the call expects. */
  shapeError(method: string, path: string, what: string): SentryApiError;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PAGES = 50;
const PER_PAGE = 100;
const MAX_DETAIL_CHARS = 300;

/** Strips trailing slashes and a pasted `/api/0` so both `https://sentry.io/` and `.../api/0/` work. */
export function normaliseBaseUrl(raw: string): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new UserError(`SENTRY_URL "${trimmed}" is not a URL`, 'set SENTRY_URL to e.g. https://sentry.io');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`SENTRY_URL "${trimmed}" is not http(s)`, 'set SENTRY_URL to e.g. https://sentry.io');
  }
  let path = url.pathname.replace(/\/+$/, '');
  path = path.replace(/\/api\/0$/, '');
  return `${url.origin}${path}`;
}

export function createTransport(opts: SentryApiOptions): Transport {
  const base = normaliseBaseUrl(opts.baseUrl);
  const token = opts.token;
  registerSecret(token);
  const doFetch = opts.fetch ?? globalThis.fetch;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;

  const scrub = (text: string): string =>
    token.length >= 4 && text.includes(token) ? text.split(token).join('<redacted>') : text;

  async function call(name: SentryApiMethod, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
    };
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, { method, headers, body: payload, signal: controller.signal, redirect: 'manual' });
        text = await response.text();
      } catch (cause) {
        throw networkError(method, path, cause, timedOut);
      }
      const body = parseBody(text, response.headers.get('content-type'));
      if (response.status >= 200 && response.status < 300) {
        if (body === NOT_JSON) throw notSentry(method, path, response.status);
        return { status: response.status, headers: response.headers, body };
      }
      throw httpError(name, method, path, response, body);
    } finally {
      clearTimeout(timer);
    }
  }

  function networkError(method: string, path: string, cause: unknown, timedOut: boolean): SentryApiError {
    const reason = timedOut ? `no answer within ${timeoutMs} ms` : describeCause(cause);
    return new SentryApiError({
      message: scrub(`Sentry ${method} ${path} did not complete: ${reason}`),
      hint: networkHint(base),
      status: null,
      method,
      path,
      timedOut,
      cause: timedOut ? undefined : cause,
      detail: scrub(reason),
    });
  }

  function notSentry(method: string, path: string, status: number): SentryApiError {
    return new SentryApiError({
      message: `Sentry ${method} ${path} answered ${status} with something that is not JSON`,
      hint: notSentryHint(base),
      status,
      method,
      path,
    });
  }

  function shapeError(method: string, path: string, what: string): SentryApiError {
    return new SentryApiError({
      message: scrub(`Sentry ${method} ${path} answered with an unexpected shape: ${what}`),
      hint: shapeHint(base),
      status: 200,
      method,
      path,
    });
  }

  function httpError(name: SentryApiMethod, method: string, path: string, response: Response, body: unknown): SentryApiError {
    const status = response.status;
    const fieldErrors = body === NOT_JSON ? undefined : collectFieldErrors(body);
    const rawDetail = body === NOT_JSON ? `non-JSON answer (${response.headers.get('content-type') ?? 'no content type'})` : describeBody(body);
    const detail = rawDetail === undefined ? undefined : scrub(truncate(rawDetail));
    const retryAfterSeconds = status === 429 ? retryAfter(response.headers, now()) : undefined;
    const hint = httpHint({ name, status, detail, retryAfterSeconds, location: response.headers.get('location'), base });
    const retryText = status === 429 && retryAfterSeconds !== undefined ? ` (Retry-After: ${retryAfterSeconds} s)` : '';
    return new SentryApiError({
      message: scrub(`Sentry ${method} ${path} failed: ${status}${detail ? ` ${detail}` : ''}${retryText}`),
      hint: scrub(hint),
      status,
      method,
      path,
      detail,
      retryAfterSeconds,
      fieldErrors,
    });
  }

  async function list(name: SentryApiMethod, path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const query: Record<string, string> = { per_page: String(PER_PAGE) };
      if (cursor !== undefined) query.cursor = cursor;
      const answer = await call(name, 'GET', path, { query });
      if (!Array.isArray(answer.body)) throw shapeError('GET', path, 'expected a list');
      items.push(...(answer.body as unknown[]));
      // Only the cursor is taken from Link: the request goes to our own base URL, so a
      // proxy-rewritten or foreign link host never receives the token.
      const next = nextCursor(answer.headers.get('link'));
      if (next === undefined) break;
      cursor = next;
    }
    return items;
  }

  return { base, call, list, scrub, shapeError };
}

// ---- reading answers ---------------------------------------------------------------------

const NOT_JSON: unique symbol = Symbol('not json');

function parseBody(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return null;
  if (contentType && !/json/i.test(contentType) && !/^\s*[[{]/.test(text)) return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  if (inner instanceof Error) {
    const code = (inner as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${inner.message})` : inner.message;
  }
  return cause.message;
}

function retryAfter(headers: Headers, nowMs: number): number | undefined {
  const raw = headers.get('retry-after');
  if (raw !== null) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const date = Date.parse(raw);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - nowMs) / 1000));
  }
  const reset = Number(headers.get('x-sentry-rate-limit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - nowMs / 1000));
  return undefined;
}

/** Parses Sentry's Link header and returns the next cursor while it says results="true". */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,\s*(?=<)/)) {
    const attrs = new Map<string, string>();
    for (const m of part.matchAll(/;\s*([a-z]+)="([^"]*)"/gi)) attrs.set(m[1]!.toLowerCase(), m[2]!);
    if (attrs.get('rel') !== 'next') continue;
    if (attrs.get('results') !== 'true') return undefined;
    const cursor = attrs.get('cursor') ?? /[?&]cursor=([^&>]*)/.exec(part)?.[1];
    return cursor ? decodeURIComponent(cursor) : undefined;
  }
  return undefined;
}

function describeBody(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (!isRecord(body)) return undefined;
  const detail = body.detail;
  if (typeof detail === 'string') return detail;
  if (isRecord(detail) && typeof detail.message === 'string') return detail.message;
  const fields = collectFieldErrors(body);
  if (fields) {
    return Object.entries(fields)
      .filter(([k]) => k !== 'ruleId')
      .map(([k, v]) => (k === 'non_field_errors' || k === '__all__' ? v.join(' ') : `${k}: ${v.join(' ')}`))
      .join('; ');
  }
  return undefined;
}

/** Flattens DRF errors (`{"f":["m"]}`, `{"errors":{"f":"m"}}`, nested lists/objects) to `f -> [m]`. */
function collectFieldErrors(body: unknown): Record<string, string[]> | undefined {
  if (!isRecord(body)) return undefined;
  const source = isRecord(body.errors) ? body.errors : body;
  const out: Record<string, string[]> = {};
  const walk = (key: string, value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      (out[key] ??= []).push(String(value));
    } else if (Array.isArray(value)) {
      for (const v of value) walk(key, v);
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) walk(/^\d+$/.test(k) ? key : `${key}.${k}`, v);
    }
  };
  for (const [k, v] of Object.entries(source)) {
    if (k === 'detail' && source === body) continue;
    walk(k, v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function truncate(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS - 1)}…` : line;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
