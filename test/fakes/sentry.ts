// A fake Sentry for tests: a real HTTP server on 127.0.0.1 that serves Sentry's own paths under
// /api/0/ and answers the way Sentry's source does (DRF error shapes, auth wording, scope checks,
// Link pagination, rate-limit headers), and that calls webhooks the way Sentry does (the legacy
// plugin's unsigned test event, signed integration envelopes). Where it is stricter or simpler
// than Sentry, a comment says so.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

// ---- serialisation ------------------------------------------------------------------------

/**
 * Serialises like Sentry (Python's json.dumps with compact separators and ensure_ascii):
 * no whitespace, every non-ASCII UTF-16 code unit escaped as lowercase `\uXXXX`, so astral
 * characters become two escaped surrogates. Receivers must verify signatures over these bytes.
 */
export function sentryJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('sentryJson: value is not serialisable');
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- public types -----------------------------------------------------------------------

export interface FakeSentryOptions {
  /** Items per page of every list endpoint (Sentry: 100; small here to exercise pagination). Default 2. */
  pageSize?: number;
  /** Reported in the plugin's User-Agent. */
  version?: string;
  /** Legacy plugin delivery timeout (Sentry: 5 s). */
  pluginTimeoutMs?: number;
  /** Integration delivery timeout (Sentry: 1 s). */
  integrationTimeoutMs?: number;
  /**
   * Play sentry.io, whose URL validation refuses loopback and private addresses (it could never
   * reach them): `400 {"errors": {"urls": "Not a valid URL."}}`. Off by default, as a self-hosted
   * Sentry next to the receiver may use them.
   */
  refusePrivateUrls?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  username: string;
  email: string;
}

export interface FakeOrg {
  id: string;
  slug: string;
  name: string;
}

export interface FakeProject {
  id: string;
  slug: string;
  name: string;
  org: string;
  platform: string | null;
  /** When set, rules may only name these environments (Sentry: environments seen in events). */
  environments?: string[];
}

export interface FakeIssue {
  id: string;
  shortId: string;
  title: string;
  culprit: string;
  level: string;
  status: string;
  substatus: string | null;
  statusDetails: Record<string, unknown>;
  assignedTo: unknown;
  project: { id: string; name: string; slug: string; platform: string | null };
  permalink: string;
  count: string;
  userCount: number;
  firstSeen: string;
  lastSeen: string;
  metadata: Record<string, unknown>;
  [key: string]: unknown;
}

export interface FakePluginState {
  enabled: boolean;
  /** Newline-separated, as Sentry stores it; null when never set. */
  urls: string | null;
}

export interface RuleNodeData {
  id: string;
  [key: string]: unknown;
}

export interface FakeRule {
  id: string;
  name: string;
  actionMatch: string;
  filterMatch: string | null;
  frequency: number;
  environment: string | null;
  conditions: RuleNodeData[];
  filters: RuleNodeData[];
  actions: RuleNodeData[];
  dateCreated: string;
  createdBy: { id: string; name: string; email: string } | null;
  owner: string | null;
}

export interface FakeSentryApp {
  uuid: string;
  slug: string;
  name: string;
  author: string;
  org: string;
  isInternal: boolean;
  isAlertable: boolean;
  webhookUrl: string | null;
  redirectUrl: string | null;
  events: string[];
  scopes: string[];
  verifyInstall: boolean;
  overview: string | null;
  allowedOrigins: string[];
  clientId: string;
  clientSecret: string;
  /** Sentry shows the secret only during the app's first day: set false to simulate later. */
  secretVisible: boolean;
}

export interface FakeInstallation {
  uuid: string;
  appSlug: string;
  org: string;
  status: 'installed' | 'pending';
  code: string;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Parsed JSON when the body was JSON, else the raw text; undefined when empty. */
  body: unknown;
  status: number;
  /** `sha1:<8 hex>` of the bearer token (never the token), or null when none was sent. */
  token: string | null;
}

export interface IssueUpdateRecord {
  org: string;
  issueId: string;
  /** The PUT body exactly as parsed. */
  body: unknown;
  raw: string;
  status: number;
}

export interface Delivery {
  kind: 'plugin' | 'integration';
  url: string;
  /** HTTP status of the receiver's answer; null when none arrived (refused, timeout). */
  status: number | null;
  error?: string;
  /** The exact bytes sent. */
  body: string;
  headers: Record<string, string>;
  responseBody: string;
  durationMs: number;
}

export interface SendWebhookOptions {
  /** Defaults to `{type:'application', id:'sentry', name:'Sentry'}`. */
  actor?: Record<string, unknown>;
  /** Override the signing key (e.g. to test a wrong secret). */
  secret?: string;
  /** Unix seconds for Sentry-Hook-Timestamp. */
  timestamp?: number;
  timeoutMs?: number;
  /** Send to this URL instead of the app's webhookUrl. */
  url?: string;
}

export interface FakeSentryState {
  orgs: Map<string, FakeOrg>;
  /** Key `org/project`. */
  projects: Map<string, FakeProject>;
  /** Key `org/issueId`. */
  issues: Map<string, FakeIssue>;
  /** Key `org/project`. */
  plugins: Map<string, FakePluginState>;
  /** Key `org/project`. */
  rules: Map<string, FakeRule[]>;
  /** Key app slug. */
  sentryApps: Map<string, FakeSentryApp>;
  installations: FakeInstallation[];
}

export interface FakeSentry {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no /api/0). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly issueUpdates: IssueUpdateRecord[];
  readonly deliveries: Delivery[];
  readonly state: FakeSentryState;
  addToken(token: string, scopes: string[], user?: Partial<FakeUser>): void;
  addOrg(slug: string, name?: string): FakeOrg;
  addProject(org: string, slug: string, name?: string, opts?: { platform?: string; environments?: string[] }): FakeProject;
  addIssue(org: string, issue: Omit<Partial<FakeIssue>, 'project'> & { id: string; project?: string | FakeIssue['project'] }): FakeIssue;
  setPlugin(org: string, project: string, state: Partial<FakePluginState>): FakePluginState;
  getPlugin(org: string, project: string): FakePluginState;
  getRules(org: string, project: string): FakeRule[];
  getSentryApp(slug: string): FakeSentryApp | undefined;
  /** The next request whose path matches (and method, if given) gets this answer instead. */
  failNext(path: RegExp, status: number, body?: unknown, opts?: { method?: string; headers?: Record<string, string> }): void;
  /** The next request whose path matches waits this long before being handled. */
  delayNext(path: RegExp, delayMs: number): void;
  /** POSTs a signed integration envelope to the app's webhookUrl, like Sentry; records a Delivery. */
  sendIntegrationWebhook(appSlug: string, resource: string, action: string, data: unknown, opts?: SendWebhookOptions): Promise<Delivery>;
  /**
   * A new issue, as Sentry announces it: `issue.created` goes to every internal integration of
   * the organisation subscribed to `issue`, whatever the project and whatever the alert rules.
   */
  newIssue(org: string, issue: Parameters<FakeSentry['addIssue']>[1]): Promise<Delivery[]>;
  close(): Promise<void>;
}

// ---- Sentry's words -----------------------------------------------------------------------

const MSG = {
  noCredentials: 'Authentication credentials were not provided.',
  invalidToken: 'Invalid token',
  noTokenInHeader: 'Invalid token header. No credentials provided.',
  spacesInToken: 'Invalid token header. Token string should not contain spaces.',
  forbidden: 'You do not have permission to perform this action.',
  notFound: 'The requested resource does not exist',
  required: 'This field is required.',
  nodeRequired: 'Ensure at least one action is enabled and all required fields are filled in.',
  noActions: 'You must add an action for this alert to fire.',
  invalidUrl: 'Not a valid URL.',
} as const;

const PRIVATE_HOST = /^(localhost|.*\.localhost|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|0\.0\.0\.0|\[::1?\]|\[f[cd][0-9a-f]*:.*\]|\[fe80:.*\])$/i;

const invalidChoice = (value: unknown) => `"${String(value)}" is not a valid choice.`;
const formInvalidChoice = (value: unknown) => `Select a valid choice. ${String(value)} is not one of the available choices.`;

const SCOPE_IMPLIES: Record<string, string[]> = {
  'org:admin': ['org:write', 'org:read', 'org:integrations'],
  'org:write': ['org:read'],
  'project:admin': ['project:write', 'project:read', 'project:releases'],
  'project:write': ['project:read'],
  'team:admin': ['team:write', 'team:read'],
  'team:write': ['team:read'],
  'member:admin': ['member:write', 'member:read'],
  'member:write': ['member:read'],
  'event:admin': ['event:write', 'event:read'],
  'event:write': ['event:read'],
  'alerts:write': ['alerts:read'],
};

const KNOWN_SCOPES = new Set([
  'org:read', 'org:write', 'org:admin', 'org:integrations', 'project:read', 'project:write', 'project:admin',
  'project:releases', 'team:read', 'team:write', 'team:admin', 'member:read', 'member:write', 'member:admin',
  'event:read', 'event:write', 'event:admin', 'alerts:read', 'alerts:write',
]);

const VALID_EVENT_RESOURCES = ['issue', 'error', 'comment'];
const REQUIRED_EVENT_PERMISSIONS: Record<string, string> = { issue: 'event:read', error: 'event:read', comment: 'event:read' };
const UUID_CHARS_IN_SLUG = 6;

const INTERVALS = ['1m', '5m', '15m', '1h', '1d', '1w', '30d'];
const LEVELS = ['50', '40', '30', '20', '10'];

interface NodeSpec {
  label: string;
  /** Fields the Django form cleans to integers (so 100 and "100" are the same rule). */
  ints?: string[];
  validate?: (node: RuleNodeData, ctx: { services: string[] }) => string | null;
}

const requiredOr = (ok: boolean, message: string | null) => (ok ? message : MSG.nodeRequired);

const intervalNode = (label: string): NodeSpec => ({
  label,
  ints: ['value'],
  validate: (n) => {
    if (n.value === undefined || n.value === null || n.value === '' || n.interval === undefined) return MSG.nodeRequired;
    if (!Number.isInteger(Number(n.value)) || Number(n.value) < 0) return 'Enter a whole number.';
    if (!INTERVALS.includes(String(n.interval))) return formInvalidChoice(n.interval);
    return null;
  },
});

const CONDITIONS: Record<string, NodeSpec> = {
  'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition': { label: 'A new issue is created' },
  'sentry.rules.conditions.regression_event.RegressionEventCondition': { label: 'The issue changes state from resolved to unresolved' },
  'sentry.rules.conditions.reappeared_event.ReappearedEventCondition': { label: 'The issue changes state from archived to escalating' },
  'sentry.rules.conditions.event_frequency.EventFrequencyCondition': intervalNode('The issue is seen more than {value} times in {interval}'),
  'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition': intervalNode(
    'The issue is seen by more than {value} users in {interval}',
  ),
};

const FILTERS: Record<string, NodeSpec> = {
  'sentry.rules.filters.level.LevelFilter': {
    label: "The event's level is {match} {level}",
    validate: (n) => {
      if (n.match === undefined || n.level === undefined) return MSG.nodeRequired;
      if (!['eq', 'gte', 'lte'].includes(String(n.match))) return formInvalidChoice(n.match);
      if (!LEVELS.includes(String(n.level))) return formInvalidChoice(n.level);
      return null;
    },
  },
  'sentry.rules.filters.issue_occurrences.IssueOccurrencesFilter': {
    label: 'The issue has happened at least {value} times',
    ints: ['value'],
    validate: (n) => requiredOr(n.value !== undefined, Number.isInteger(Number(n.value)) ? null : 'Enter a whole number.'),
  },
  'sentry.rules.filters.latest_release.LatestReleaseFilter': { label: 'The event is from the latest release' },
};

const NOTIFY_SERVICE = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';

const ACTIONS: Record<string, NodeSpec> = {
  [NOTIFY_SERVICE]: {
    label: 'Send a notification via {service}',
    validate: (n, ctx) => {
      if (n.service === undefined || n.service === null || n.service === '') return MSG.nodeRequired;
      // Django's ChoiceField: choices are the project's enabled notification plugins and the
      // alertable Sentry apps installed in the org.
      return ctx.services.includes(String(n.service)) ? null : formInvalidChoice(n.service);
    },
  },
  'sentry.rules.actions.notify_event.NotifyEventAction': { label: 'Send a notification (for all legacy integrations)' },
  'sentry.mail.actions.NotifyEmailAction': {
    label: 'Send a notification to {targetType}',
    validate: (n) => (n.targetType === undefined ? MSG.nodeRequired : null),
  },
};

// ---- server ---------------------------------------------------------------------------------

interface TokenInfo {
  scopes: Set<string>;
  granted: string[];
  user: FakeUser;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text body (non-JSON answers). */
  text?: string;
  contentType?: string;
}

interface Ctx {
  method: string;
  path: string;
  url: URL;
  params: Record<string, string>;
  body: unknown;
  /** The request body exactly as received. */
  raw: string;
  token: TokenInfo | null;
  org?: FakeOrg;
  project?: FakeProject;
}

interface RouteMethod {
  /** Any one suffices (after expanding admin > write > read); null = no authentication needed. */
  scopes: string[] | null;
  handle: (ctx: Ctx) => Reply | Promise<Reply>;
}

interface Route {
  pattern: RegExp;
  methods: Record<string, RouteMethod>;
}

interface Fault {
  path: RegExp;
  method?: string;
  reply?: Reply;
  delayMs?: number;
}

export async function startFakeSentry(options: FakeSentryOptions = {}): Promise<FakeSentry> {
  const pageSize = Math.max(1, options.pageSize ?? 2);
  const version = options.version ?? '24.5.0';
  const pluginTimeoutMs = options.pluginTimeoutMs ?? 5000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 1000;

  const tokens = new Map<string, TokenInfo>();
  const state: FakeSentryState = {
    orgs: new Map(),
    projects: new Map(),
    issues: new Map(),
    plugins: new Map(),
    rules: new Map(),
    sentryApps: new Map(),
    installations: [],
  };
  const requests: RecordedRequest[] = [];
  const issueUpdates: IssueUpdateRecord[] = [];
  const deliveries: Delivery[] = [];
  const faults: Fault[] = [];
  const delays: Fault[] = [];
  let nextId = 1000;
  const newId = () => String(++nextId);
  let baseUrl = '';

  // ---- helpers over state ----

  const key = (a: string, b: string) => `${a}/${b}`;

  function pluginOf(org: string, project: string): FakePluginState {
    let p = state.plugins.get(key(org, project));
    if (!p) {
      p = { enabled: false, urls: null };
      state.plugins.set(key(org, project), p);
    }
    return p;
  }

  function rulesOf(org: string, project: string): FakeRule[] {
    let r = state.rules.get(key(org, project));
    if (!r) {
      r = [];
      state.rules.set(key(org, project), r);
    }
    return r;
  }

  function expandScopes(scopes: string[]): Set<string> {
    const out = new Set<string>();
    const add = (s: string) => {
      if (out.has(s)) return;
      out.add(s);
      for (const implied of SCOPE_IMPLIES[s] ?? []) add(implied);
    };
    scopes.forEach(add);
    return out;
  }

  const tokenLabel = (t: string) => `sha1:${createHash('sha1').update(t).digest('hex').slice(0, 8)}`;

  function serializeOrg(o: FakeOrg) {
    return {
      id: o.id,
      slug: o.slug,
      name: o.name,
      dateCreated: '2024-01-01T00:00:00.000000Z',
      status: { id: 'active', name: 'active' },
      isEarlyAdopter: false,
      require2FA: false,
      avatar: { avatarType: 'letter_avatar', avatarUuid: null },
      features: [],
      links: { organizationUrl: baseUrl, regionUrl: baseUrl },
    };
  }

  function serializeProject(p: FakeProject) {
    const org = state.orgs.get(p.org);
    return {
      id: p.id,
      slug: p.slug,
      name: p.name,
      platform: p.platform,
      dateCreated: '2024-01-01T00:00:00.000000Z',
      isBookmarked: false,
      isMember: true,
      hasAccess: true,
      features: [],
      firstEvent: null,
      status: 'active',
      organization: org ? { id: org.id, slug: org.slug, name: org.name } : undefined,
    };
  }

  function serializePlugin(org: string, project: string) {
    const p = pluginOf(org, project);
    return {
      id: 'webhooks',
      name: 'WebHooks',
      slug: 'webhooks',
      shortName: 'WebHooks',
      type: 'notification',
      canDisable: true,
      isTestable: true,
      hasConfiguration: true,
      metadata: {},
      contexts: [],
      status: 'unknown',
      assets: [],
      doc: '',
      firstPartyAlternative: null,
      deprecationDate: null,
      altIsSentryApp: null,
      enabled: p.enabled,
      version,
      author: { name: 'Sentry Team', url: 'https://github.com/getsentry/sentry' },
      isDeprecated: false,
      isHidden: false,
      description: 'Trigger outgoing HTTP POST requests from Sentry.',
      features: ['alert-rule'],
      featureDescriptions: [],
      resourceLinks: [],
      config: [
        {
          name: 'urls',
          label: 'Callback URLs',
          type: 'textarea',
          help: 'Enter callback URLs to POST new events to (one per line).',
          placeholder: 'https://sentry.io/callback/url',
          required: false,
          value: p.urls,
          defaultValue: null,
        },
      ],
    };
  }

  function nodeWithName(node: RuleNodeData, specs: Record<string, NodeSpec>): RuleNodeData {
    const spec = specs[node.id];
    const label = spec ? spec.label.replace(/\{(\w+)\}/g, (_m, k: string) => String(node[k] ?? '')) : node.id;
    return { ...node, name: label };
  }

  function serializeRule(r: FakeRule, projectSlug: string) {
    return {
      id: r.id,
      conditions: r.conditions.map((n) => nodeWithName(n, CONDITIONS)),
      filters: r.filters.map((n) => nodeWithName(n, FILTERS)),
      actions: r.actions.map((n) => nodeWithName(n, ACTIONS)),
      actionMatch: r.actionMatch,
      filterMatch: r.filterMatch,
      frequency: r.frequency,
      name: r.name,
      dateCreated: r.dateCreated,
      owner: r.owner,
      createdBy: r.createdBy,
      environment: r.environment,
      projects: [projectSlug],
      status: 'active',
      snooze: false,
    };
  }

  // Sentry shows the client secret only to a requester with org:write, and only on the app's first day.
  function serializeApp(a: FakeSentryApp, ctx?: Ctx) {
    const mayWrite = ctx?.token ? ctx.token.scopes.has('org:write') : true;
    const org = state.orgs.get(a.org);
    return {
      allowedOrigins: a.allowedOrigins,
      author: a.author,
      avatars: [],
      events: a.events,
      featureData: [],
      isAlertable: a.isAlertable,
      metadata: {},
      name: a.name,
      overview: a.overview,
      popularity: null,
      redirectUrl: a.redirectUrl,
      schema: {},
      scopes: a.scopes,
      slug: a.slug,
      status: a.isInternal ? 'internal' : 'unpublished',
      uuid: a.uuid,
      verifyInstall: a.verifyInstall,
      webhookUrl: a.webhookUrl,
      clientId: a.clientId,
      clientSecret: a.secretVisible && mayWrite ? a.clientSecret : null,
      owner: org ? { id: Number(org.id), slug: org.slug } : null,
    };
  }

  function serializeInstallation(i: FakeInstallation) {
    const app = state.sentryApps.get(i.appSlug);
    return {
      app: { uuid: app?.uuid ?? '', slug: i.appSlug },
      organization: { slug: i.org },
      uuid: i.uuid,
      status: i.status,
      code: i.code,
    };
  }

  // ---- pagination ----

  function paginate(ctx: Ctx, items: unknown[]): Reply {
    const perPageRaw = Number(ctx.url.searchParams.get('per_page') ?? pageSize);
    const limit = Math.max(1, Math.min(pageSize, Number.isFinite(perPageRaw) ? perPageRaw : pageSize));
    const cursor = ctx.url.searchParams.get('cursor');
    let page = 0;
    if (cursor) {
      const parts = cursor.split(':');
      if (parts.length !== 3 || parts.some((p) => !/^-?\d+$/.test(p))) {
        return { status: 400, body: { detail: 'Invalid cursor parameter.' } };
      }
      page = Math.max(0, Number(parts[1]));
    }
    const start = page * limit;
    const slice = items.slice(start, start + limit);
    const hasNext = start + limit < items.length;
    const hasPrev = page > 0;
    const link = (c: string) => {
      const u = new URL(baseUrl + ctx.path);
      for (const [k, v] of ctx.url.searchParams) if (k !== 'cursor') u.searchParams.set(k, v);
      u.searchParams.set('cursor', c);
      return u.toString();
    };
    const prevCursor = `${limit}:${Math.max(0, page - 1)}:1`;
    const nextCursor = `${limit}:${page + 1}:0`;
    const header =
      `<${link(prevCursor)}>; rel="previous"; results="${hasPrev}"; cursor="${prevCursor}", ` +
      `<${link(nextCursor)}>; rel="next"; results="${hasNext}"; cursor="${nextCursor}"`;
    return { status: 200, body: slice, headers: { Link: header } };
  }

  // ---- validation helpers ----

  type Errors = Record<string, unknown>;
  const badRequest = (errors: Errors): Reply => ({ status: 400, body: errors });
  const notFound = (): Reply => ({ status: 404, body: { detail: MSG.notFound } });
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

  function validateNodes(
    value: unknown,
    specs: Record<string, NodeSpec>,
    services: string[],
  ): { nodes: RuleNodeData[]; errors: string[] } {
    const errors: string[] = [];
    const nodes: RuleNodeData[] = [];
    if (!Array.isArray(value)) {
      errors.push(`Expected a list of items but got type "${typeof value === 'object' ? 'dict' : typeof value}".`);
      return { nodes, errors };
    }
    for (const item of value) {
      if (!isObj(item)) {
        errors.push(`Incorrect type. Expected a mapping, but got ${Array.isArray(item) ? 'list' : typeof item === 'string' ? 'str' : typeof item}`);
        continue;
      }
      if (typeof item.id !== 'string') {
        errors.push("Missing attribute 'id'");
        continue;
      }
      const spec = specs[item.id];
      if (!spec) {
        errors.push(`Invalid node. Could not find '${item.id}'`);
        continue;
      }
      const problem = spec.validate?.(item as RuleNodeData, { services }) ?? null;
      if (problem) {
        errors.push(problem);
        continue;
      }
      // Sentry strips the rendered label before saving (pre_save_rule).
      const { name: _label, ...clean } = item;
      for (const k of spec.ints ?? []) clean[k] = Number(clean[k]);
      nodes.push(clean as RuleNodeData);
    }
    return { nodes, errors };
  }

  function isHttpUrl(u: string): boolean {
    if (!/^https?:\/\//i.test(u)) return false;
    try {
      const parsed = new URL(u);
      if (options.refusePrivateUrls && PRIVATE_HOST.test(parsed.hostname)) return false;
      return parsed.hostname !== '';
    } catch {
      return false;
    }
  }

  function slugify(name: string): string {
    let slug = name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/[-\s_]+/g, '-')
      .replace(/^-+|-+$/g, '');
    // sentry_slugify: a slug is never entirely numeric.
    if (/^\d*$/.test(slug)) slug = `${slug}-${randomBytes(3).toString('hex')}`.replace(/^-/, '');
    return slug;
  }

  function servicesFor(org: string, project: string): string[] {
    const services: string[] = [];
    if (pluginOf(org, project).enabled) services.push('webhooks');
    for (const inst of state.installations) {
      if (inst.org !== org || inst.status !== 'installed') continue;
      const app = state.sentryApps.get(inst.appSlug);
      if (app?.isAlertable) services.push(app.slug);
    }
    return services;
  }

  // ---- outgoing deliveries ----

  function post(kind: Delivery['kind'], url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Delivery> {
    const started = Date.now();
    const record = (status: number | null, responseBody: string, error?: string): Delivery => {
      const d: Delivery = { kind, url, status, body, headers, responseBody, durationMs: Date.now() - started };
      if (error !== undefined) d.error = error;
      deliveries.push(d);
      return d;
    };
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve(record(null, '', 'invalid url'));
        return;
      }
      const lib = target.protocol === 'https:' ? https : http;
      let settled = false;
      const finish = (d: () => Delivery) => {
        if (settled) return;
        settled = true;
        resolve(d());
      };
      const req = lib.request(
        target,
        { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(() => record(res.statusCode ?? null, Buffer.concat(chunks).toString('utf8').slice(0, 4096))));
          res.on('error', (e) => finish(() => record(null, '', e.message)));
        },
      );
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`timeout after ${timeoutMs} ms`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish(() => record(null, '', e.code ?? e.message)));
      req.end(body);
    });
  }

  function samplePluginBody(org: FakeOrg, project: FakeProject): Record<string, unknown> {
    // What WebHooksPlugin.get_group_data builds for create_sample_event(platform="python").
    const issueId = newId();
    const eventId = randomBytes(16).toString('hex');
    const message = 'This is an example Python exception';
    const nowSeconds = Date.now() / 1000;
    return {
      id: issueId,
      project: project.slug,
      project_name: project.name,
      project_slug: project.slug,
      logger: null,
      level: 'error',
      culprit: 'raven.scripts.runner in main',
      message,
      url: `${baseUrl}/organizations/${org.slug}/issues/${issueId}/?referrer=webhooks_plugin`,
      triggering_rules: [],
      event: {
        event_id: eventId,
        id: eventId,
        project: Number(project.id),
        release: '4fc8fdd4ae8c9f4a8f8cd3e1e4a9bc47d0a2a91e',
        environment: 'prod',
        platform: 'python',
        level: 'error',
        logger: '',
        type: 'error',
        culprit: 'raven.scripts.runner in main',
        title: `Exception: ${message}`,
        location: null,
        message,
        metadata: { type: 'Exception', value: message },
        timestamp: nowSeconds,
        received: nowSeconds,
        tags: [
          ['browser', 'Chrome 28.0.1500'],
          ['browser.name', 'Chrome'],
          ['environment', 'prod'],
          ['level', 'error'],
          ['server_name', 'web01.example.org'],
          ['sentry:release', '4fc8fdd4ae8c9f4a8f8cd3e1e4a9bc47d0a2a91e'],
          ['sentry:user', 'id:1'],
        ],
        exception: {
          values: [
            {
              type: 'Exception',
              value: message,
              module: null,
              stacktrace: {
                frames: [
                  {
                    filename: 'raven/scripts/runner.py',
                    abs_path: '/home/ubuntu/.virtualenvs/getsentry/src/raven/raven/scripts/runner.py',
                    module: 'raven.scripts.runner',
                    function: 'main',
                    lineno: 112,
                    in_app: false,
                  },
                  {
                    filename: 'raven/scripts/runner.py',
                    abs_path: '/home/ubuntu/.virtualenvs/getsentry/src/raven/raven/scripts/runner.py',
                    module: 'raven.scripts.runner',
                    function: 'send_test_message',
                    lineno: 77,
                    in_app: true,
                  },
                ],
              },
            },
          ],
        },
        user: { id: '1', username: 'getsentry', email: 'foo@example.com', ip_address: '127.0.0.1' },
        request: {
          url: 'http://example.com/foo',
          method: 'GET',
          headers: [['User-Agent', 'Mozilla/5.0 (Windows NT 6.2; WOW64) Chrome/28.0.1500.72']],
        },
        contexts: { browser: { name: 'Chrome', version: '28.0.1500', type: 'browser' } },
        sdk: { name: 'raven-python', version: '6.10.0' },
      },
    };
  }

  // ---- handlers ----

  const requireOrgInBody = (ctx: Ctx): Reply | FakeOrg => {
    const body = isObj(ctx.body) ? ctx.body : {};
    const slug = body.organization;
    if (typeof slug !== 'string' || slug === '') {
      return badRequest({ organization: ["Please provide a valid value for the 'organization' field."] });
    }
    const org = state.orgs.get(slug);
    return org ?? notFound();
  };

  function validateAppPayload(ctx: Ctx, body: Record<string, unknown>, existing?: FakeSentryApp): Errors {
    const errors: Errors = {};
    const has = (k: string) => Object.prototype.hasOwnProperty.call(body, k);
    if (!existing || has('name')) {
      if (typeof body.name !== 'string' || body.name.trim() === '') errors.name = [body.name === undefined ? MSG.required : 'This field may not be blank.'];
      else if (body.name.length > 64 - UUID_CHARS_IN_SLUG - 1) errors.name = [`Cannot exceed ${64 - UUID_CHARS_IN_SLUG - 1} characters`];
    }
    for (const field of ['webhookUrl', 'redirectUrl']) {
      const v = body[field];
      if (v === undefined || v === null || v === '') continue;
      if (typeof v !== 'string' || !v.startsWith('http')) errors[field] = ['URL must start with http[s]://'];
      else if (!isHttpUrl(v)) errors[field] = ['Enter a valid URL.'];
    }
    if (has('events') && body.events !== null) {
      if (!Array.isArray(body.events)) errors.events = ['Expected a list of items.'];
      else {
        const bad = body.events.filter((e) => !VALID_EVENT_RESOURCES.includes(String(e)));
        if (bad.length > 0) errors.events = [`Invalid event subscription: ${bad.join(', ')}`];
      }
    }
    if (has('scopes') && body.scopes !== null) {
      if (!Array.isArray(body.scopes)) errors.scopes = ['Expected a list of items.'];
      else {
        const unknown = body.scopes.find((s) => !KNOWN_SCOPES.has(String(s)));
        if (unknown !== undefined) errors.scopes = [`${String(unknown)} not a valid scope`];
        else {
          const over = body.scopes
            .map(String)
            .filter((s) => !(existing?.scopes.includes(s) ?? false) && !(ctx.token?.scopes.has(s) ?? false));
          if (over.length > 0) {
            errors.scopes = over.map(
              (s) => `Requested permission of ${s} exceeds requester's permission. Please contact an administrator to make the requested change.`,
            );
          }
        }
      }
    }
    if (Object.keys(errors).length > 0) return errors;
    // Cross-field checks, as RequestSentryAppSerializer.validate.
    const current = <T>(k: string, fallback: T): T => (has(k) ? (body[k] as T) : fallback);
    const scopes = current<string[] | null>('scopes', existing?.scopes ?? []) ?? [];
    const events = current<string[] | null>('events', existing?.events ?? []) ?? [];
    if (scopes.length > 0) {
      for (const resource of events) {
        const needed = REQUIRED_EVENT_PERMISSIONS[resource];
        if (needed && !scopes.includes(needed)) return { events: [`${resource} webhooks require the ${needed} permission.`] };
      }
    }
    const webhookUrl = current<string | null>('webhookUrl', existing?.webhookUrl ?? null);
    const isInternal = existing?.isInternal ?? body.isInternal === true;
    if (!webhookUrl) {
      if (isInternal) {
        if (events.length > 0) return { webhookUrl: ['webhookUrl required if webhook events are enabled'] };
        if (current<boolean>('isAlertable', existing?.isAlertable ?? false)) {
          return { webhookUrl: ['webhookUrl required if alert rule action is enabled'] };
        }
      } else {
        return { webhookUrl: ['webhookUrl required for public integrations'] };
      }
    }
    if (!isInternal && !current<string | null>('author', existing?.author ?? null)) {
      return { author: ['author required for public integrations'] };
    }
    return {};
  }

  function createApp(ctx: Ctx): Reply {
    const orgOrReply = requireOrgInBody(ctx);
    if (!('slug' in orgOrReply)) return orgOrReply;
    const org = orgOrReply;
    const body = ctx.body as Record<string, unknown>;
    const errors = validateAppPayload(ctx, body);
    if (Object.keys(errors).length > 0) return badRequest(errors);
    const name = String(body.name);
    const isInternal = body.isInternal === true;
    // Internal apps get 6 characters of a uuid after the slug (SentryAppCreator), so two
    // internal integrations may share a name; a public app's slug is the name's slug.
    let slug = slugify(name);
    if (isInternal) slug = `${slug}-${randomUUID().slice(0, UUID_CHARS_IN_SLUG)}`;
    if (state.sentryApps.has(slug)) return badRequest({ name: [`Name ${name} is already taken, please use another.`] });
    const app: FakeSentryApp = {
      uuid: randomUUID(),
      slug,
      name,
      author: typeof body.author === 'string' && body.author ? body.author : org.name,
      org: org.slug,
      isInternal,
      isAlertable: body.isAlertable === true,
      webhookUrl: typeof body.webhookUrl === 'string' && body.webhookUrl ? body.webhookUrl : null,
      redirectUrl: typeof body.redirectUrl === 'string' && body.redirectUrl ? body.redirectUrl : null,
      events: Array.isArray(body.events) ? body.events.map(String) : [],
      scopes: Array.isArray(body.scopes) ? body.scopes.map(String) : [],
      verifyInstall: isInternal ? false : body.verifyInstall !== false,
      overview: typeof body.overview === 'string' ? body.overview : null,
      allowedOrigins: Array.isArray(body.allowedOrigins) ? body.allowedOrigins.map(String) : [],
      clientId: randomBytes(32).toString('hex'),
      // Starts with "fa4e" ("fake") so it is never mistaken for a real secret.
      clientSecret: `fa4e${randomBytes(30).toString('hex')}`,
      secretVisible: true,
    };
    state.sentryApps.set(slug, app);
    if (isInternal) {
      state.installations.push({ uuid: randomUUID(), appSlug: slug, org: org.slug, status: 'installed', code: randomBytes(16).toString('hex') });
    }
    return { status: 201, body: serializeApp(app) };
  }

  function updateApp(ctx: Ctx): Reply {
    const app = state.sentryApps.get(ctx.params.slug!);
    if (!app) return notFound();
    if (!isObj(ctx.body)) return badRequest({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    const body = ctx.body;
    const errors = validateAppPayload(ctx, body, app);
    if (Object.keys(errors).length > 0) return badRequest(errors);
    if (typeof body.name === 'string') app.name = body.name;
    if ('webhookUrl' in body) app.webhookUrl = typeof body.webhookUrl === 'string' && body.webhookUrl ? body.webhookUrl : null;
    if ('redirectUrl' in body) app.redirectUrl = typeof body.redirectUrl === 'string' && body.redirectUrl ? body.redirectUrl : null;
    if (Array.isArray(body.events)) app.events = body.events.map(String);
    if (Array.isArray(body.scopes)) app.scopes = body.scopes.map(String);
    if (typeof body.isAlertable === 'boolean') app.isAlertable = body.isAlertable;
    if (typeof body.overview === 'string') app.overview = body.overview;
    return { status: 200, body: serializeApp(app) };
  }

  function createRule(ctx: Ctx): Reply {
    return saveRule(ctx);
  }

  // ProjectRuleDetailsEndpoint.put: the same validation as a new rule, the rule replaced in place.
  function updateRule(ctx: Ctx): Reply {
    const rule = rulesOf(ctx.org!.slug, ctx.project!.slug).find((r) => r.id === ctx.params.rule);
    return rule ? saveRule(ctx, rule) : notFound();
  }

  function saveRule(ctx: Ctx, existing?: FakeRule): Reply {
    const org = ctx.org!;
    const project = ctx.project!;
    if (!isObj(ctx.body)) return badRequest({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    const body = ctx.body;
    const errors: Record<string, string[]> = {};
    const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);

    if (body.name === undefined || body.name === null) add('name', MSG.required);
    else if (typeof body.name !== 'string' || body.name.trim() === '') add('name', 'This field may not be blank.');
    else if (body.name.length > 256) add('name', 'Ensure this field has no more than 256 characters.');

    if (body.frequency === undefined || body.frequency === null) add('frequency', MSG.required);
    else if (!/^-?\d+$/.test(String(body.frequency))) add('frequency', 'A valid integer is required.');
    else if (Number(body.frequency) < 5) add('frequency', 'Ensure this value is greater than or equal to 5.');
    else if (Number(body.frequency) > 43200) add('frequency', 'Ensure this value is less than or equal to 43200.');

    if (body.actionMatch === undefined) add('actionMatch', MSG.required);
    else if (!['all', 'any', 'none'].includes(String(body.actionMatch))) add('actionMatch', invalidChoice(body.actionMatch));

    if (body.filterMatch !== undefined && body.filterMatch !== null && !['all', 'any', 'none'].includes(String(body.filterMatch))) {
      add('filterMatch', invalidChoice(body.filterMatch));
    }

    let environment: string | null = null;
    if (body.environment !== undefined && body.environment !== null) {
      environment = String(body.environment);
      if (project.environments && !project.environments.includes(environment)) add('environment', 'This environment has not been created.');
    }

    const services = servicesFor(org.slug, project.slug);
    const conditions = body.conditions === undefined ? { nodes: [], errors: [MSG.required] } : validateNodes(body.conditions, CONDITIONS, services);
    conditions.errors.forEach((e) => add('conditions', e));
    const filters = body.filters === undefined || body.filters === null ? { nodes: [], errors: [] } : validateNodes(body.filters, FILTERS, services);
    filters.errors.forEach((e) => add('filters', e));
    const actions = body.actions === undefined || body.actions === null ? { nodes: [], errors: [] } : validateNodes(body.actions, ACTIONS, services);
    actions.errors.forEach((e) => add('actions', e));

    if (Object.keys(errors).length > 0) return badRequest(errors);
    if (filters.nodes.length > 0 && !body.filterMatch) {
      return badRequest({ filterMatch: ['Must select a filter match (all, any, none) if filters are supplied'] });
    }
    if (actions.nodes.length === 0) return badRequest({ actions: [MSG.noActions] });

    const candidate = {
      actionMatch: String(body.actionMatch),
      filterMatch: body.filterMatch ? String(body.filterMatch) : null,
      frequency: Number(body.frequency),
      environment,
      conditions: [...conditions.nodes, ...filters.nodes],
      actions: actions.nodes,
    };
    const duplicate = rulesOf(org.slug, project.slug).find((r) => r !== existing && sameRule(r, candidate));
    if (duplicate) {
      return badRequest({
        name: [`This rule is an exact duplicate of '${duplicate.name}' in this project and may not be created.`],
        ruleId: [Number(duplicate.id)],
      });
    }
    if (existing) {
      Object.assign(existing, {
        name: String(body.name),
        actionMatch: candidate.actionMatch,
        filterMatch: candidate.filterMatch,
        frequency: candidate.frequency,
        environment,
        conditions: conditions.nodes,
        filters: filters.nodes,
        actions: actions.nodes.map((a) => ({ ...a, uuid: randomUUID() })),
      });
      return { status: 200, body: serializeRule(existing, project.slug) };
    }
    const user = ctx.token?.user;
    const rule: FakeRule = {
      id: newId(),
      name: String(body.name),
      actionMatch: candidate.actionMatch,
      filterMatch: candidate.filterMatch,
      frequency: candidate.frequency,
      environment,
      conditions: conditions.nodes,
      filters: filters.nodes,
      actions: actions.nodes.map((a) => ({ ...a, uuid: randomUUID() })),
      dateCreated: new Date().toISOString(),
      createdBy: user ? { id: user.id, name: user.name, email: user.email } : null,
      owner: typeof body.owner === 'string' ? body.owner : null,
    };
    rulesOf(org.slug, project.slug).push(rule);
    // ProjectRulesEndpoint.post answers 200 (not 201) with the serialized rule.
    return { status: 200, body: serializeRule(rule, project.slug) };
  }

  function sameRule(
    existing: FakeRule,
    c: { actionMatch: string; filterMatch: string | null; frequency: number; environment: string | null; conditions: RuleNodeData[]; actions: RuleNodeData[] },
  ): boolean {
    // DuplicateRuleEvaluator: name and author do not count; action uuids are ignored;
    // filterMatch only counts when both rules have one.
    const strip = (nodes: RuleNodeData[]) => nodes.map(({ uuid: _u, name: _n, ...rest }) => canonical(rest));
    return (
      existing.actionMatch === c.actionMatch &&
      (existing.filterMatch === null || c.filterMatch === null || existing.filterMatch === c.filterMatch) &&
      existing.frequency === c.frequency &&
      existing.environment === c.environment &&
      JSON.stringify(strip([...existing.conditions, ...existing.filters])) === JSON.stringify(strip(c.conditions)) &&
      JSON.stringify(strip(existing.actions)) === JSON.stringify(strip(c.actions))
    );
  }

  function updateIssue(ctx: Ctx): Reply {
    const org = ctx.org!;
    const issueId = ctx.params.issue!;
    const reply = applyIssueUpdate(org, issueId, ctx.body);
    issueUpdates.push({ org: org.slug, issueId, body: ctx.body, raw: ctx.raw, status: reply.status });
    return reply;
  }

  function applyIssueUpdate(org: FakeOrg, issueId: string, body: unknown): Reply {
    const issue = state.issues.get(key(org.slug, issueId));
    if (!issue) return notFound();
    if (!isObj(body)) return badRequest({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    const errors: Errors = {};
    const statuses = ['resolved', 'resolvedInNextRelease', 'unresolved', 'ignored', 'resolvedInUpcomingRelease'];
    const substatuses = ['archived_until_escalating', 'archived_forever', 'archived_until_condition_met'];
    const status = body.status;
    if (status !== undefined && !statuses.includes(String(status))) errors.status = [invalidChoice(status)];
    const substatus = body.substatus;
    if (substatus !== undefined && substatus !== null) {
      if (!substatuses.includes(String(substatus))) errors.substatus = [invalidChoice(substatus)];
      else if (status !== 'ignored') errors.substatus = [`Substatus ${String(substatus)} is only valid with status ignored.`];
    }
    const details = body.statusDetails;
    const cleanDetails: Record<string, unknown> = {};
    if (details !== undefined && details !== null) {
      if (!isObj(details)) errors.statusDetails = { non_field_errors: ['Invalid data. Expected a dictionary.'] };
      else {
        const detailErrors: Record<string, string[]> = {};
        for (const k of ['ignoreDuration', 'ignoreCount', 'ignoreWindow', 'ignoreUserCount', 'ignoreUserWindow']) {
          const v = details[k];
          if (v === undefined || v === null) continue;
          if (!Number.isInteger(Number(v)) || typeof v === 'boolean') detailErrors[k] = ['A valid integer is required.'];
          else if (Number(v) < 0) detailErrors[k] = ['Ensure this value is greater than or equal to 0.'];
          else if ((k === 'ignoreWindow' || k === 'ignoreUserWindow') && Number(v) > 7 * 24 * 60) {
            detailErrors[k] = ['Ensure this value is less than or equal to 10080.'];
          } else cleanDetails[k] = Number(v);
        }
        if (details.inRelease !== undefined) {
          if (typeof details.inRelease !== 'string' || details.inRelease === '') detailErrors.inRelease = ['This field may not be blank.'];
          else cleanDetails.inRelease = details.inRelease;
        }
        if (details.inNextRelease !== undefined) {
          if (typeof details.inNextRelease !== 'boolean') detailErrors.inNextRelease = ['Must be a valid boolean.'];
          else cleanDetails.inNextRelease = details.inNextRelease;
        }
        if (Object.keys(detailErrors).length > 0) errors.statusDetails = detailErrors;
      }
    }
    if (body.assignedTo !== undefined && body.assignedTo !== null && typeof body.assignedTo !== 'string') {
      errors.assignedTo = ['Could not parse actor. Format should be `type:id` where type is `team` or `user`.'];
    }
    if (Object.keys(errors).length > 0) return badRequest(errors);

    switch (status) {
      case 'resolved':
        issue.status = 'resolved';
        issue.substatus = null;
        issue.statusDetails = cleanDetails.inRelease ? { inRelease: cleanDetails.inRelease } : {};
        break;
      case 'resolvedInNextRelease':
      case 'resolvedInUpcomingRelease':
        issue.status = 'resolved';
        issue.substatus = null;
        issue.statusDetails = { inNextRelease: true };
        break;
      case 'unresolved':
        issue.status = 'unresolved';
        issue.substatus = 'ongoing';
        issue.statusDetails = {};
        break;
      case 'ignored': {
        const conditional = ['ignoreDuration', 'ignoreCount', 'ignoreUserCount'].some((k) => k in cleanDetails);
        issue.status = 'ignored';
        issue.substatus =
          typeof substatus === 'string' ? substatus : conditional ? 'archived_until_condition_met' : 'archived_until_escalating';
        const sd: Record<string, unknown> = { ...cleanDetails };
        if (typeof cleanDetails.ignoreDuration === 'number') {
          sd.ignoreUntil = new Date(Date.now() + cleanDetails.ignoreDuration * 60_000).toISOString();
        }
        issue.statusDetails = sd;
        break;
      }
      default:
        break;
    }
    if (typeof body.assignedTo === 'string') {
      issue.assignedTo = body.assignedTo === '' ? null : { type: body.assignedTo.startsWith('team:') ? 'team' : 'user', id: body.assignedTo.replace(/^(user|team):/, ''), name: body.assignedTo };
    } else if (body.assignedTo === null) {
      issue.assignedTo = null;
    }
    return { status: 200, body: issue };
  }

  async function pluginPost(ctx: Ctx): Promise<Reply> {
    const org = ctx.org!;
    const project = ctx.project!;
    const body = isObj(ctx.body) ? ctx.body : {};
    if (body.test) {
      // test_configuration: create_sample_event + notify_users. An HTTP error from a receiver
      // stops at that URL and surfaces as a generic message; connection errors and timeouts
      // are swallowed, so "No errors returned" proves nothing was received.
      const payload = sentryJson(samplePluginBody(org, project));
      const urls = splitUrls(pluginOf(org.slug, project.slug).urls);
      for (const url of urls) {
        const delivery = await post(
          'plugin',
          url,
          payload,
          { 'Content-Type': 'application/json', 'User-Agent': `sentry/${version} (https://sentry.io)` },
          pluginTimeoutMs,
        );
        if (delivery.status !== null && (delivery.status < 200 || delivery.status >= 300)) {
          return { status: 200, body: { detail: 'There was an internal error with the Plugin' } };
        }
      }
      return { status: 200, body: { detail: 'No errors returned' } };
    }
    if (body.reset) {
      state.plugins.set(key(org.slug, project.slug), { enabled: pluginOf(org.slug, project.slug).enabled, urls: null });
      return { status: 200, body: serializePlugin(org.slug, project.slug) };
    }
    pluginOf(org.slug, project.slug).enabled = true;
    return { status: 201 };
  }

  function pluginPut(ctx: Ctx): Reply {
    const org = ctx.org!;
    const project = ctx.project!;
    const body = isObj(ctx.body) ? ctx.body : {};
    const value = body.urls;
    // Like ProjectPluginDetailsEndpoint.put: `urls` is optional (required: False), validated
    // by validate_urls, and errors come as {"errors": {field: message}}. Setting URLs does not
    // enable the plugin; that is the POST.
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return { status: 400, body: { errors: { urls: MSG.invalidUrl } } };
    }
    const urls = splitUrls(typeof value === 'string' ? value : null);
    if (urls.some((u) => !isHttpUrl(u))) return { status: 400, body: { errors: { urls: MSG.invalidUrl } } };
    pluginOf(org.slug, project.slug).urls = value === undefined || value === null ? null : urls.join('\n');
    return { status: 200, body: serializePlugin(org.slug, project.slug) };
  }

  // ---- routes ----

  const org = '(?<org>[^/]+)';
  const proj = '(?<project>[^/]+)';
  const route = (path: string, methods: Record<string, RouteMethod>): Route => ({ pattern: new RegExp(`^/api/0${path}$`), methods });

  const routes: Route[] = [
    route('/', {
      GET: {
        scopes: null,
        handle: (ctx) => ({
          status: 200,
          body: {
            version: '0',
            auth: ctx.token ? { scopes: ctx.token.granted } : null,
            user: ctx.token ? { ...ctx.token.user, isActive: true, isStaff: false, isSuperuser: false } : null,
          },
        }),
      },
    }),
    route('/organizations/', {
      GET: { scopes: ['org:read'], handle: (ctx) => paginate(ctx, [...state.orgs.values()].map(serializeOrg)) },
    }),
    route(`/organizations/${org}/projects/`, {
      GET: {
        scopes: ['org:read'],
        handle: (ctx) => paginate(ctx, [...state.projects.values()].filter((p) => p.org === ctx.org!.slug).map(serializeProject)),
      },
    }),
    route(`/projects/${org}/${proj}/`, {
      GET: { scopes: ['project:read'], handle: (ctx) => ({ status: 200, body: serializeProject(ctx.project!) }) },
    }),
    route(`/projects/${org}/${proj}/plugins/(?<plugin>[^/]+)/`, {
      GET: { scopes: ['project:read'], handle: (ctx) => ({ status: 200, body: serializePlugin(ctx.org!.slug, ctx.project!.slug) }) },
      POST: { scopes: ['project:write'], handle: pluginPost },
      PUT: { scopes: ['project:write'], handle: pluginPut },
      DELETE: {
        scopes: ['project:write'],
        handle: (ctx) => {
          pluginOf(ctx.org!.slug, ctx.project!.slug).enabled = false;
          return { status: 204 };
        },
      },
    }),
    route(`/projects/${org}/${proj}/rules/`, {
      GET: {
        scopes: ['project:read', 'alerts:read'],
        handle: (ctx) =>
          paginate(
            ctx,
            [...rulesOf(ctx.org!.slug, ctx.project!.slug)].reverse().map((r) => serializeRule(r, ctx.project!.slug)),
          ),
      },
      POST: { scopes: ['project:write', 'alerts:write'], handle: createRule },
    }),
    route(`/projects/${org}/${proj}/rules/(?<rule>[^/]+)/`, {
      PUT: { scopes: ['project:write', 'alerts:write'], handle: updateRule },
    }),
    route(`/organizations/${org}/issues/(?<issue>[^/]+)/`, {
      GET: {
        scopes: ['event:read'],
        handle: (ctx) => {
          const issue = state.issues.get(key(ctx.org!.slug, ctx.params.issue!));
          return issue ? { status: 200, body: issue } : notFound();
        },
      },
      PUT: { scopes: ['event:write'], handle: updateIssue },
    }),
    route('/sentry-apps/', {
      POST: { scopes: ['org:write'], handle: createApp },
    }),
    route('/sentry-apps/(?<slug>[^/]+)/', {
      GET: {
        scopes: ['org:read'],
        handle: (ctx) => {
          const app = state.sentryApps.get(ctx.params.slug!);
          return app ? { status: 200, body: serializeApp(app, ctx) } : notFound();
        },
      },
      PUT: { scopes: ['org:write'], handle: updateApp },
    }),
    route(`/organizations/${org}/sentry-apps/`, {
      GET: {
        scopes: ['org:read'],
        handle: (ctx) => paginate(ctx, [...state.sentryApps.values()].filter((a) => a.org === ctx.org!.slug).map((a) => serializeApp(a, ctx))),
      },
    }),
    route(`/organizations/${org}/sentry-app-installations/`, {
      GET: {
        scopes: ['org:read', 'org:integrations'],
        handle: (ctx) => paginate(ctx, state.installations.filter((i) => i.org === ctx.org!.slug).map(serializeInstallation)),
      },
    }),
  ];

  // ---- request handling ----

  type AuthResult = { token: TokenInfo | null; label: string | null } | { error: Reply; label: string | null };

  function authenticate(header: string | undefined): AuthResult {
    if (!header) return { token: null, label: null };
    const parts = header.trim().split(/\s+/);
    if (parts[0]?.toLowerCase() !== 'bearer') return { token: null, label: null };
    if (parts.length === 1) return { error: { status: 401, body: { detail: MSG.noTokenInHeader } }, label: null };
    if (parts.length > 2) return { error: { status: 401, body: { detail: MSG.spacesInToken } }, label: 'sha1:invalid' };
    const raw = parts[1]!;
    const token = tokens.get(raw);
    if (!token) return { error: { status: 401, body: { detail: MSG.invalidToken } }, label: tokenLabel(raw) };
    return { token, label: tokenLabel(raw) };
  }

  function hasAnyScope(token: TokenInfo, needed: string[]): boolean {
    return needed.some((s) => token.scopes.has(s));
  }

  async function handle(req: http.IncomingMessage, raw: string): Promise<{ reply: Reply; label: string | null; body: unknown }> {
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = authenticate(req.headers.authorization);
    let parsed: unknown;
    let parseError: string | undefined;
    if (raw !== '') {
      try {
        parsed = JSON.parse(raw) as unknown;
      } catch (e) {
        parsed = raw;
        parseError = (e as Error).message;
      }
    }

    const delayIndex = delays.findIndex((d) => d.path.test(path));
    if (delayIndex >= 0) {
      const [delay] = delays.splice(delayIndex, 1);
      await new Promise((r) => setTimeout(r, delay!.delayMs));
    }
    const faultIndex = faults.findIndex((f) => f.path.test(path) && (!f.method || f.method === method));
    if (faultIndex >= 0) {
      const [fault] = faults.splice(faultIndex, 1);
      return { reply: fault!.reply!, label: auth.label, body: parsed };
    }

    let match: { route: Route; params: Record<string, string> } | undefined;
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (m) {
        match = { route: r, params: { ...(m.groups ?? {}) } };
        break;
      }
    }
    if (!match) {
      // Django's HTML 404 (also for paths missing their trailing slash).
      return {
        reply: { status: 404, text: '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>', contentType: 'text/html' },
        label: auth.label,
        body: parsed,
      };
    }
    if ('error' in auth) return { reply: auth.error, label: auth.label, body: parsed };
    const spec = match.route.methods[method];
    const anyAuthNeeded = spec ? spec.scopes !== null : true;
    if (anyAuthNeeded && !auth.token) return { reply: { status: 401, body: { detail: MSG.noCredentials } }, label: auth.label, body: parsed };
    if (!spec) return { reply: { status: 405, body: { detail: `Method "${method}" not allowed.` } }, label: auth.label, body: parsed };
    if (parseError !== undefined) {
      return { reply: { status: 400, body: { detail: `JSON parse error - ${parseError}` } }, label: auth.label, body: parsed };
    }

    const ctx: Ctx = { method, path, url, params: match.params, body: parsed, raw, token: auth.token };
    if (match.params.org !== undefined) {
      ctx.org = state.orgs.get(match.params.org);
      if (!ctx.org) return { reply: notFound(), label: auth.label, body: parsed };
    }
    if (match.params.project !== undefined) {
      ctx.project = state.projects.get(key(match.params.org!, match.params.project));
      if (!ctx.project) return { reply: notFound(), label: auth.label, body: parsed };
    }
    if (match.params.plugin !== undefined && match.params.plugin !== 'webhooks') {
      return { reply: notFound(), label: auth.label, body: parsed };
    }
    if (spec.scopes && auth.token && !hasAnyScope(auth.token, spec.scopes)) {
      return { reply: { status: 403, body: { detail: MSG.forbidden } }, label: auth.label, body: parsed };
    }
    return { reply: await spec.handle(ctx), label: auth.label, body: parsed };
  }

  function rateLimitHeaders(): Record<string, string> {
    return {
      'X-Sentry-Rate-Limit-Limit': '40',
      'X-Sentry-Rate-Limit-Remaining': '39',
      'X-Sentry-Rate-Limit-Reset': String(Math.floor(Date.now() / 1000) + 1),
      'X-Sentry-Rate-Limit-ConcurrentLimit': '25',
      'X-Sentry-Rate-Limit-ConcurrentRemaining': '24',
    };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', baseUrl);
      handle(req, raw)
        .catch((error: unknown) => ({
          reply: { status: 500, body: { detail: `Internal Error (fake): ${(error as Error).message}` } } as Reply,
          label: null,
          body: undefined as unknown,
        }))
        .then(({ reply, label, body }) => {
          requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, body, status: reply.status, token: label });
          const headers: Record<string, string> = { ...rateLimitHeaders(), ...(reply.headers ?? {}) };
          let payload = '';
          if (reply.text !== undefined) {
            payload = reply.text;
            headers['Content-Type'] = reply.contentType ?? 'text/plain';
          } else if (reply.body !== undefined && reply.status !== 204) {
            payload = sentryJson(reply.body);
            headers['Content-Type'] = 'application/json';
          }
          headers['Content-Length'] = String(Buffer.byteLength(payload));
          res.writeHead(reply.status, headers);
          res.end(payload);
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${address.port}`;

  // ---- the fake's own API ----

  const fake: FakeSentry = {
    url: baseUrl,
    requests,
    issueUpdates,
    deliveries,
    state,

    addToken(token, scopes, user) {
      tokens.set(token, {
        scopes: expandScopes(scopes),
        granted: [...scopes],
        user: { id: '1', name: 'Jane Doe', username: 'jane', email: 'jane@example.com', ...user },
      });
    },

    addOrg(slug, name) {
      const o: FakeOrg = { id: newId(), slug, name: name ?? slug };
      state.orgs.set(slug, o);
      return o;
    },

    addProject(orgSlug, slug, name, opts) {
      if (!state.orgs.has(orgSlug)) throw new Error(`fake sentry: no org ${orgSlug}`);
      const p: FakeProject = { id: newId(), slug, name: name ?? slug, org: orgSlug, platform: opts?.platform ?? 'python' };
      if (opts?.environments) p.environments = [...opts.environments];
      state.projects.set(key(orgSlug, slug), p);
      return p;
    },

    addIssue(orgSlug, input) {
      if (!state.orgs.has(orgSlug)) throw new Error(`fake sentry: no org ${orgSlug}`);
      let project: FakeIssue['project'];
      if (typeof input.project === 'string' || input.project === undefined) {
        const p =
          typeof input.project === 'string'
            ? state.projects.get(key(orgSlug, input.project))
            : [...state.projects.values()].find((x) => x.org === orgSlug);
        project = p ? { id: p.id, name: p.name, slug: p.slug, platform: p.platform } : { id: '1', name: 'project', slug: 'project', platform: null };
      } else {
        project = input.project;
      }
      const now = new Date().toISOString();
      const issue: FakeIssue = {
        shortId: `${project.slug.toUpperCase()}-${input.id}`,
        title: 'Error: something broke',
        culprit: 'app.js in handler',
        level: 'error',
        status: 'unresolved',
        substatus: 'ongoing',
        statusDetails: {},
        assignedTo: null,
        permalink: `${baseUrl}/organizations/${orgSlug}/issues/${input.id}/`,
        count: '1',
        userCount: 0,
        firstSeen: now,
        lastSeen: now,
        metadata: {},
        ...input,
        project,
      };
      state.issues.set(key(orgSlug, input.id), issue);
      return issue;
    },

    setPlugin(orgSlug, project, partial) {
      const p = pluginOf(orgSlug, project);
      Object.assign(p, partial);
      return p;
    },

    getPlugin: (orgSlug, project) => pluginOf(orgSlug, project),
    getRules: (orgSlug, project) => rulesOf(orgSlug, project),
    getSentryApp: (slug) => state.sentryApps.get(slug),

    failNext(path, status, body, opts) {
      const reply: Reply = { status };
      if (body !== undefined) reply.body = body;
      if (opts?.headers) reply.headers = opts.headers;
      const fault: Fault = { path, reply };
      if (opts?.method) fault.method = opts.method.toUpperCase();
      faults.push(fault);
    },

    delayNext(path, delayMs) {
      delays.push({ path, delayMs });
    },

    async sendIntegrationWebhook(appSlug, resource, action, data, opts = {}) {
      const app = state.sentryApps.get(appSlug);
      if (!app) throw new Error(`fake sentry: no sentry app ${appSlug}`);
      const url = opts.url ?? app.webhookUrl;
      if (!url) throw new Error(`fake sentry: sentry app ${appSlug} has no webhookUrl`);
      const installation = state.installations.find((i) => i.appSlug === appSlug);
      const envelope = {
        action,
        installation: { uuid: installation?.uuid ?? randomUUID() },
        data,
        actor: opts.actor ?? { type: 'application', id: 'sentry', name: 'Sentry' },
      };
      const body = sentryJson(envelope);
      const signature = createHmac('sha256', opts.secret ?? app.clientSecret).update(body, 'utf8').digest('hex');
      const headers = {
        'Content-Type': 'application/json',
        'Request-ID': randomUUID().replace(/-/g, ''),
        'Sentry-Hook-Resource': resource,
        'Sentry-Hook-Timestamp': String(opts.timestamp ?? Math.floor(Date.now() / 1000)),
        'Sentry-Hook-Signature': signature,
      };
      return post('integration', url, body, headers, opts.timeoutMs ?? integrationTimeoutMs);
    },

    async newIssue(orgSlug, input) {
      const issue = fake.addIssue(orgSlug, input);
      const apps = [...state.sentryApps.values()].filter((a) => a.org === orgSlug && a.events.includes('issue') && a.webhookUrl);
      const sent: Delivery[] = [];
      for (const app of apps) sent.push(await fake.sendIntegrationWebhook(app.slug, 'issue', 'created', { issue }));
      return sent;
    },

    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

function splitUrls(value: string | null): string[] {
  if (!value) return [];
  return value
    .split(/\r?\n/)
    .map((u) => u.trim())
    .filter(Boolean);
}

/** JSON with sorted keys, for order-insensitive comparison of rule nodes. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
