// The Sentry REST client used by `setup`, `doctor` and the action buttons. It speaks only the
// handful of endpoints in docs/sentry.md, decodes answers defensively into small typed shapes,
// and turns every failure into one SentryApiError that says what went wrong and what to do.
// The auth token lives in this closure and in the Authorization header, nowhere else: it is
// scrubbed from anything Sentry echoes back before that text reaches an error.
import { UserError } from '../errors.js';
import { registerSecret } from '../log/redact.js';

export interface SentryApiOptions {
  /** e.g. https://sentry.io, https://de.sentry.io or a self-hosted URL; no `/api/0`. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request, including reading the body. Default 10000. */
  timeoutMs?: number;
  /** Upper bound on pages followed by list calls. Default 50. */
  maxPages?: number;
}

/** Sentry answered with an error, or the request never completed (`status === null`). */
export class SentryApiError extends UserError {
  /** HTTP status; null when no answer arrived (network error, timeout). */
  readonly status: number | null;
  readonly method: string;
  /** Path below the base URL, e.g. `/api/0/organizations/`. */
  readonly path: string;
  /** Sentry's own words (`detail`, or field errors flattened), token-free. */
  readonly detail: string | undefined;
  /** One line: what to do about it. */
  declare readonly hint: string;
  /** From `Retry-After` (or the rate-limit reset header) on 429. */
  readonly retryAfterSeconds: number | undefined;
  /** DRF field errors of a 400, flattened to `field -> messages`. */
  readonly fieldErrors: Record<string, string[]> | undefined;
  readonly timedOut: boolean;

  constructor(init: {
    message: string;
    hint: string;
    status: number | null;
    method: string;
    path: string;
    detail?: string;
    retryAfterSeconds?: number;
    fieldErrors?: Record<string, string[]>;
    timedOut?: boolean;
    cause?: unknown;
  }) {
    super(init.message, init.hint);
    this.name = 'SentryApiError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.detail = init.detail;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.fieldErrors = init.fieldErrors;
    this.timedOut = init.timedOut ?? false;
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
  }
}

// ---- data shapes ------------------------------------------------------------------------

export interface SentryUser {
  id: string;
  username: string;
  email: string;
  name?: string;
}

export interface WhoAmI {
  user?: SentryUser;
  /** Scopes of the token; null when Sentry did not say (e.g. session auth or no token). */
  scopes: string[] | null;
}

export interface SentryOrganization {
  id: string;
  slug: string;
  name: string;
  /** API host of the org's data region (`https://de.sentry.io`), when Sentry says. */
  regionUrl?: string;
}

export interface SentryProject {
  id: string;
  slug: string;
  name: string;
  platform: string | null;
  /** Organisation slug, when the answer includes it. */
  organization?: string;
}

export interface WebhooksPlugin {
  enabled: boolean;
  urls: string[];
}

export interface RuleNode {
  id: string;
  [key: string]: unknown;
}

export type MatchMode = 'all' | 'any' | 'none';

export interface NewIssueAlertRule {
  name: string;
  /** Minutes between repeat notifications for one issue, 5..43200. */
  frequency: number;
  actionMatch: MatchMode;
  conditions: RuleNode[];
  filters?: RuleNode[];
  filterMatch?: MatchMode;
  actions: RuleNode[];
  environment?: string | null;
  owner?: string | null;
}

export interface SentryRule {
  id: string;
  name: string;
  actionMatch: string;
  filterMatch: string | null;
  frequency: number | null;
  environment: string | null;
  conditions: RuleNode[];
  filters: RuleNode[];
  actions: RuleNode[];
}

/**
 * createRule never throws for Sentry's "exact duplicate" answer: setup is idempotent, so an
 * identical existing rule is a success with `created: false` and that rule's id and name.
 */
export type CreateRuleResult =
  | { created: true; id: string; name: string; rule: SentryRule }
  | { created: false; id: string; name: string };

export type IssueStatus = 'resolved' | 'resolvedInNextRelease' | 'unresolved' | 'ignored';
export type IssueSubstatus = 'archived_until_escalating' | 'archived_forever' | 'archived_until_condition_met';

export interface IssueStatusDetails {
  /** Minutes. */
  ignoreDuration?: number;
  ignoreCount?: number;
  /** Minutes, with ignoreCount. */
  ignoreWindow?: number;
  ignoreUserCount?: number;
  ignoreUserWindow?: number;
  inRelease?: string;
  inNextRelease?: boolean;
}

/** Sent as given: the body Sentry receives is exactly `JSON.stringify(update)`. */
export interface IssueUpdate {
  status?: IssueStatus;
  substatus?: IssueSubstatus | null;
  statusDetails?: IssueStatusDetails;
  /** `user:<id>`, `team:<id>`, username or email; empty string unassigns. */
  assignedTo?: string;
}

export interface SentryIssue {
  id: string;
  shortId: string;
  title: string;
  status: string;
  substatus: string | null;
  statusDetails: Record<string, unknown>;
  permalink: string | null;
}

export interface SentryApp {
  slug: string;
  uuid: string;
  name: string;
  status: string;
  webhookUrl: string | null;
  isAlertable: boolean;
  events: string[];
  scopes: string[];
  /** Readable only during the app's first day; null (or masked by Sentry) afterwards. */
  clientSecret: string | null;
}

export interface InternalIntegrationInput {
  org: string;
  name: string;
  webhookUrl: string;
  /** Resources to subscribe to: `issue`, `error`, `comment`. */
  events: string[];
  scopes: string[];
  isAlertable: boolean;
}

export interface SentryAppPatch {
  name?: string;
  webhookUrl?: string | null;
  events?: string[];
  scopes?: string[];
  isAlertable?: boolean;
  [key: string]: unknown;
}

export interface SentryAppInstallation {
  uuid: string;
  status: string;
  app: { slug: string; uuid: string };
  organization?: string;
}

export interface SentryApi {
  readonly baseUrl: string;
  whoami(): Promise<WhoAmI>;
  listOrganizations(): Promise<SentryOrganization[]>;
  listProjects(org: string): Promise<SentryProject[]>;
  getProject(org: string, project: string): Promise<SentryProject>;
  getWebhooksPlugin(org: string, project: string): Promise<WebhooksPlugin>;
  enableWebhooksPlugin(org: string, project: string): Promise<void>;
  setWebhookUrls(org: string, project: string, urls: string[]): Promise<WebhooksPlugin>;
  /** Sentry's verdict text, e.g. "No errors returned" (it swallows connection errors). */
  testWebhooksPlugin(org: string, project: string): Promise<{ detail: string }>;
  listRules(org: string, project: string): Promise<SentryRule[]>;
  createRule(org: string, project: string, rule: NewIssueAlertRule): Promise<CreateRuleResult>;
  /** Replaces rule `id` (name, conditions, actions): sentry-tg's own rule changes in place. */
  updateRule(org: string, project: string, id: string, rule: NewIssueAlertRule): Promise<SentryRule>;
  updateIssue(org: string, issueId: string, body: IssueUpdate): Promise<SentryIssue>;
  createInternalIntegration(input: InternalIntegrationInput): Promise<SentryApp>;
  listSentryApps(org: string): Promise<SentryApp[]>;
  updateSentryApp(slug: string, patch: SentryAppPatch): Promise<SentryApp>;
  listSentryAppInstallations(org: string): Promise<SentryAppInstallation[]>;
}

export type SentryApiMethod = Exclude<keyof SentryApi, 'baseUrl'>;

/**
 * Scopes each call needs; any one of a list is enough (a higher level of the same resource,
 * e.g. `project:admin` for `project:write`, also counts: see `scopeSatisfies`). `doctor` checks
 * a token's scopes from `whoami()` against this table before anything fails.
 */
export const REQUIRED_SCOPES: Readonly<Record<SentryApiMethod, readonly string[]>> = {
  whoami: [],
  listOrganizations: ['org:read'],
  listProjects: ['org:read'],
  getProject: ['project:read'],
  getWebhooksPlugin: ['project:read'],
  enableWebhooksPlugin: ['project:write'],
  setWebhookUrls: ['project:write'],
  testWebhooksPlugin: ['project:write'],
  listRules: ['alerts:read', 'project:read'],
  createRule: ['alerts:write', 'project:write'],
  updateRule: ['alerts:write', 'project:write'],
  updateIssue: ['event:write'],
  createInternalIntegration: ['org:write'],
  listSentryApps: ['org:read'],
  updateSentryApp: ['org:write'],
  listSentryAppInstallations: ['org:read'],
};

const SCOPE_LEVELS = ['read', 'write', 'admin'];

/** True when `granted` includes `needed` or a higher level of the same resource. */
export function scopeSatisfies(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  const [resource, level] = needed.split(':');
  const rank = SCOPE_LEVELS.indexOf(level ?? '');
  if (rank < 0) return false;
  return granted.some((g) => {
    const [r, l] = g.split(':');
    return r === resource && SCOPE_LEVELS.indexOf(l ?? '') > rank;
  });
}

/** Calls from `methods` that a token with `granted` scopes cannot make. */
export function missingScopes(granted: readonly string[], methods: readonly SentryApiMethod[]): SentryApiMethod[] {
  return methods.filter((m) => {
    const needs = REQUIRED_SCOPES[m];
    return needs.length > 0 && !needs.some((s) => scopeSatisfies(granted, s));
  });
}

// ---- implementation ----------------------------------------------------------------------

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PAGES = 50;
const PER_PAGE = 100;
const MAX_DETAIL_CHARS = 300;
const STANDARD_403 = 'You do not have permission to perform this action.';
const DUPLICATE_RULE = /exact duplicate of '(.*)' in this project/s;

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

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

interface CallOptions {
  body?: unknown;
  query?: Record<string, string>;
}

export function createSentryApi(opts: SentryApiOptions): SentryApi {
  const base = normaliseBaseUrl(opts.baseUrl);
  const token = opts.token;
  registerSecret(token);
  const doFetch = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  const tokenPage = `${base}/settings/account/api/auth-tokens/`;

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
      hint: `could not reach ${base}: check SENTRY_URL and the network`,
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
      hint: `${base} does not look like a Sentry server: check SENTRY_URL`,
      status,
      method,
      path,
    });
  }

  function shapeError(method: string, path: string, what: string): SentryApiError {
    return new SentryApiError({
      message: `Sentry ${method} ${path} answered with an unexpected shape: ${what}`,
      hint: `${base} answered unlike Sentry's API: check SENTRY_URL, or report this with the Sentry version`,
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
    let retryAfterSeconds: number | undefined;
    let hint: string;
    switch (true) {
      case status === 401:
        hint = `the Sentry auth token is invalid or revoked: create a new one at ${tokenPage}`;
        break;
      case status === 403: {
        const scopes = REQUIRED_SCOPES[name];
        const scopeText = scopes.map((s) => `"${s}"`).join(' or ');
        if (detail !== undefined && detail !== STANDARD_403) {
          hint = `Sentry refused: ${detail} (the token needs ${scopeText || 'more access'}; tokens are made at ${tokenPage})`;
        } else {
          hint = `the Sentry auth token lacks the ${scopeText} scope needed to ${ACTIONS[name]}: create a token with it at ${tokenPage}`;
        }
        break;
      }
      case status === 404:
        hint = notFoundHint(name);
        break;
      case status === 429:
        retryAfterSeconds = retryAfter(response.headers);
        hint =
          retryAfterSeconds === undefined
            ? 'Sentry is rate-limiting this token: wait a little and try again'
            : `Sentry is rate-limiting this token: try again in ${retryAfterSeconds} s`;
        break;
      case status === 400:
        hint = `Sentry rejected the request to ${ACTIONS[name]}${detail ? `: ${detail}` : ''}`;
        break;
      case status >= 500:
        hint = `Sentry had an internal error (${status}): try again in a minute; if it persists check ${base}'s status`;
        break;
      case status >= 300 && status < 400:
        hint = `Sentry redirected (${status}): SENTRY_URL may need to be the region or https URL (${response.headers.get('location') ?? 'no location'})`;
        break;
      default:
        hint = `Sentry answered ${status}: check SENTRY_URL and try again`;
    }
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

  function notFoundHint(name: SentryApiMethod): string {
    switch (name) {
      case 'whoami':
        return `no Sentry API at ${base}/api/0/: check SENTRY_URL`;
      case 'updateIssue':
        return 'issue not found: it may have been deleted or merged, or the organisation slug is wrong';
      case 'getWebhooksPlugin':
      case 'enableWebhooksPlugin':
      case 'setWebhookUrls':
      case 'testWebhooksPlugin':
        return 'organisation/project not found: check the slug (or this Sentry has no WebHooks plugin: use an internal integration)';
      case 'updateSentryApp':
        return 'integration not found: it may have been deleted; run setup again to create it';
      default:
        return 'organisation/project not found: check the slug';
    }
  }

  async function list(name: SentryApiMethod, path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const query: Record<string, string> = { per_page: String(PER_PAGE) };
      if (cursor !== undefined) query.cursor = cursor;
      const answer = await call(name, 'GET', path, { query });
      if (!Array.isArray(answer.body)) throw shapeError('GET', path, 'expected a list');
      items.push(...answer.body);
      // Only the cursor is taken from Link: the request goes to our own base URL, so a
      // proxy-rewritten or foreign link host never receives the token.
      const next = nextCursor(answer.headers.get('link'));
      if (next === undefined) break;
      cursor = next;
    }
    return items;
  }

  const enc = encodeURIComponent;
  const projectPath = (org: string, project: string) => `/api/0/projects/${enc(org)}/${enc(project)}`;

  return {
    baseUrl: base,

    async whoami() {
      const { body } = await call('whoami', 'GET', '/api/0/');
      if (!isRecord(body)) throw shapeError('GET', '/api/0/', 'expected an object');
      const auth = isRecord(body.auth) ? body.auth : null;
      const scopes = auth && Array.isArray(auth.scopes) ? auth.scopes.filter(isString) : null;
      const user = decodeUser(body.user);
      return user ? { user, scopes } : { scopes };
    },

    async listOrganizations() {
      const items = await list('listOrganizations', '/api/0/organizations/');
      return items.map(decodeOrganization).filter(isDefined);
    },

    async listProjects(org) {
      const items = await list('listProjects', `/api/0/organizations/${enc(org)}/projects/`);
      return items.map((p) => decodeProject(p, org)).filter(isDefined);
    },

    async getProject(org, project) {
      const path = `${projectPath(org, project)}/`;
      const { body } = await call('getProject', 'GET', path);
      const decoded = decodeProject(body, org);
      if (!decoded) throw shapeError('GET', path, 'expected a project');
      return decoded;
    },

    async getWebhooksPlugin(org, project) {
      const path = `${projectPath(org, project)}/plugins/webhooks/`;
      const { body } = await call('getWebhooksPlugin', 'GET', path);
      const decoded = decodePlugin(body);
      if (!decoded) throw shapeError('GET', path, 'expected the WebHooks plugin');
      return decoded;
    },

    async enableWebhooksPlugin(org, project) {
      await call('enableWebhooksPlugin', 'POST', `${projectPath(org, project)}/plugins/webhooks/`);
    },

    async setWebhookUrls(org, project, urls) {
      const path = `${projectPath(org, project)}/plugins/webhooks/`;
      const { body } = await call('setWebhookUrls', 'PUT', path, { body: { urls: urls.join('\n') } });
      return decodePlugin(body) ?? { enabled: false, urls: [...urls] };
    },

    async testWebhooksPlugin(org, project) {
      const { body } = await call('testWebhooksPlugin', 'POST', `${projectPath(org, project)}/plugins/webhooks/`, {
        body: { test: true },
      });
      const detail = isRecord(body) && typeof body.detail === 'string' ? body.detail : '';
      return { detail: scrub(detail) };
    },

    async listRules(org, project) {
      const items = await list('listRules', `${projectPath(org, project)}/rules/`);
      return items.map(decodeRule).filter(isDefined);
    },

    async createRule(org, project, rule) {
      const path = `${projectPath(org, project)}/rules/`;
      let answer: Answer;
      try {
        answer = await call('createRule', 'POST', path, { body: rule });
      } catch (error) {
        const duplicate = error instanceof SentryApiError ? duplicateOf(error) : undefined;
        if (duplicate) return { created: false, ...duplicate };
        throw error;
      }
      const decoded = decodeRule(answer.body);
      if (!decoded) throw shapeError('POST', path, 'expected the created rule');
      return { created: true, id: decoded.id, name: decoded.name, rule: decoded };
    },

    async updateRule(org, project, id, rule) {
      const path = `${projectPath(org, project)}/rules/${enc(id)}/`;
      const answer = await call('updateRule', 'PUT', path, { body: rule });
      const decoded = decodeRule(answer.body);
      if (!decoded) throw shapeError('PUT', path, 'expected the updated rule');
      return decoded;
    },

    async updateIssue(org, issueId, body) {
      const path = `/api/0/organizations/${enc(org)}/issues/${enc(issueId)}/`;
      const answer = await call('updateIssue', 'PUT', path, { body });
      const decoded = decodeIssue(answer.body);
      if (!decoded) throw shapeError('PUT', path, 'expected the issue');
      return decoded;
    },

    async createInternalIntegration(input) {
      const path = '/api/0/sentry-apps/';
      const { body } = await call('createInternalIntegration', 'POST', path, {
        body: {
          name: input.name,
          organization: input.org,
          isInternal: true,
          webhookUrl: input.webhookUrl,
          events: input.events,
          scopes: input.scopes,
          isAlertable: input.isAlertable,
          verifyInstall: false,
        },
      });
      const decoded = decodeSentryApp(body);
      if (!decoded) throw shapeError('POST', path, 'expected the created integration');
      return decoded;
    },

    async listSentryApps(org) {
      const items = await list('listSentryApps', `/api/0/organizations/${enc(org)}/sentry-apps/`);
      return items.map(decodeSentryApp).filter(isDefined);
    },

    async updateSentryApp(slug, patch) {
      const path = `/api/0/sentry-apps/${enc(slug)}/`;
      const { body } = await call('updateSentryApp', 'PUT', path, { body: patch });
      const decoded = decodeSentryApp(body);
      if (!decoded) throw shapeError('PUT', path, 'expected the integration');
      return decoded;
    },

    async listSentryAppInstallations(org) {
      const items = await list('listSentryAppInstallations', `/api/0/organizations/${enc(org)}/sentry-app-installations/`);
      return items.map(decodeInstallation).filter(isDefined);
    },
  };
}

/** What each call is for, to finish "the token lacks X needed to …". */
const ACTIONS: Readonly<Record<SentryApiMethod, string>> = {
  whoami: 'check the token',
  listOrganizations: 'list organisations',
  listProjects: 'list projects',
  getProject: 'read the project',
  getWebhooksPlugin: 'read the WebHooks plugin',
  enableWebhooksPlugin: 'enable the WebHooks plugin',
  setWebhookUrls: 'set the WebHooks plugin URLs',
  testWebhooksPlugin: 'send the WebHooks plugin test',
  listRules: 'list alert rules',
  createRule: 'create the alert rule',
  updateRule: 'update the alert rule',
  updateIssue: 'change the issue',
  createInternalIntegration: 'create the internal integration',
  listSentryApps: 'list integrations',
  updateSentryApp: 'update the integration',
  listSentryAppInstallations: 'list integration installations',
};

function duplicateOf(error: SentryApiError): { id: string; name: string } | undefined {
  if (error.status !== 400 || !error.fieldErrors) return undefined;
  const ids = error.fieldErrors.ruleId;
  const message = error.fieldErrors.name?.find((m) => DUPLICATE_RULE.test(m));
  if (!ids || ids.length === 0 || message === undefined) return undefined;
  const name = DUPLICATE_RULE.exec(message)?.[1] ?? '';
  return { id: ids[0] ?? '', name };
}

// ---- decoding helpers --------------------------------------------------------------------

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

function retryAfter(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw !== null) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const date = Date.parse(raw);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  const reset = Number(headers.get('x-sentry-rate-limit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - Date.now() / 1000));
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
function isString(v: unknown): v is string {
  return typeof v === 'string';
}
function isDefined<T>(v: T | undefined): v is T {
  return v !== undefined;
}
/** Sentry ids are strings in JSON, but older endpoints send numbers. */
function idOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
function strOr(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}
function nodes(v: unknown): RuleNode[] {
  if (!Array.isArray(v)) return [];
  return v.filter((n): n is RuleNode => isRecord(n) && typeof n.id === 'string');
}

function decodeUser(v: unknown): SentryUser | undefined {
  if (!isRecord(v)) return undefined;
  const id = idOf(v.id);
  if (!id) return undefined;
  const user: SentryUser = { id, username: strOr(v.username, ''), email: strOr(v.email, '') };
  if (typeof v.name === 'string') user.name = v.name;
  return user;
}

function decodeOrganization(v: unknown): SentryOrganization | undefined {
  if (!isRecord(v) || typeof v.slug !== 'string') return undefined;
  const org: SentryOrganization = { id: idOf(v.id) ?? '', slug: v.slug, name: strOr(v.name, v.slug) };
  const links = isRecord(v.links) ? v.links : undefined;
  if (links && typeof links.regionUrl === 'string') org.regionUrl = links.regionUrl;
  return org;
}

function decodeProject(v: unknown, org?: string): SentryProject | undefined {
  if (!isRecord(v) || typeof v.slug !== 'string') return undefined;
  const project: SentryProject = {
    id: idOf(v.id) ?? '',
    slug: v.slug,
    name: strOr(v.name, v.slug),
    platform: typeof v.platform === 'string' && v.platform !== '' ? v.platform : null,
  };
  const orgSlug = isRecord(v.organization) && typeof v.organization.slug === 'string' ? v.organization.slug : org;
  if (orgSlug !== undefined) project.organization = orgSlug;
  return project;
}

function splitUrls(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter(isString).map((u) => u.trim()).filter(Boolean);
  if (typeof value !== 'string') return [];
  return value
    .split(/\r?\n/)
    .map((u) => u.trim())
    .filter(Boolean);
}

function decodePlugin(v: unknown): WebhooksPlugin | undefined {
  if (!isRecord(v)) return undefined;
  // Plugin serializer: {enabled, config:[{name:'urls', value:'a\nb'}]}; newer Sentry's
  // legacy-webhooks endpoint answers {enabled, urls:[...]} instead.
  if (Array.isArray(v.urls)) return { enabled: v.enabled === true, urls: splitUrls(v.urls) };
  if (!Array.isArray(v.config) && typeof v.enabled !== 'boolean') return undefined;
  const field = Array.isArray(v.config) ? v.config.find((f) => isRecord(f) && f.name === 'urls') : undefined;
  const urls = isRecord(field) ? splitUrls(field.value) : [];
  return { enabled: v.enabled === true, urls };
}

function decodeRule(v: unknown): SentryRule | undefined {
  if (!isRecord(v)) return undefined;
  const id = idOf(v.id);
  if (!id) return undefined;
  return {
    id,
    name: strOr(v.name, ''),
    actionMatch: strOr(v.actionMatch, 'all'),
    filterMatch: typeof v.filterMatch === 'string' ? v.filterMatch : null,
    frequency: typeof v.frequency === 'number' ? v.frequency : null,
    environment: typeof v.environment === 'string' ? v.environment : null,
    conditions: nodes(v.conditions),
    filters: nodes(v.filters),
    actions: nodes(v.actions),
  };
}

function decodeIssue(v: unknown): SentryIssue | undefined {
  if (!isRecord(v)) return undefined;
  const id = idOf(v.id);
  if (!id) return undefined;
  return {
    id,
    shortId: strOr(v.shortId, ''),
    title: strOr(v.title, ''),
    status: strOr(v.status, ''),
    substatus: typeof v.substatus === 'string' ? v.substatus : null,
    statusDetails: isRecord(v.statusDetails) ? v.statusDetails : {},
    permalink: typeof v.permalink === 'string' ? v.permalink : null,
  };
}

const MASKED = /^\*+$/;

function decodeSentryApp(v: unknown): SentryApp | undefined {
  if (!isRecord(v) || typeof v.slug !== 'string') return undefined;
  const secret = typeof v.clientSecret === 'string' && v.clientSecret !== '' && !MASKED.test(v.clientSecret) ? v.clientSecret : null;
  return {
    slug: v.slug,
    uuid: strOr(v.uuid, ''),
    name: strOr(v.name, v.slug),
    status: strOr(v.status, ''),
    webhookUrl: typeof v.webhookUrl === 'string' && v.webhookUrl !== '' ? v.webhookUrl : null,
    isAlertable: v.isAlertable === true,
    events: Array.isArray(v.events) ? v.events.filter(isString) : [],
    scopes: Array.isArray(v.scopes) ? v.scopes.filter(isString) : [],
    clientSecret: secret,
  };
}

function decodeInstallation(v: unknown): SentryAppInstallation | undefined {
  if (!isRecord(v) || typeof v.uuid !== 'string' || !isRecord(v.app)) return undefined;
  const app = v.app;
  if (typeof app.slug !== 'string') return undefined;
  const installation: SentryAppInstallation = {
    uuid: v.uuid,
    status: strOr(v.status, ''),
    app: { slug: app.slug, uuid: strOr(app.uuid, '') },
  };
  if (isRecord(v.organization) && typeof v.organization.slug === 'string') installation.organization = v.organization.slug;
  return installation;
}
