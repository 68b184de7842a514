// What sentry-tg reads from and sends to Sentry's REST API, as the rest of the code sees it.
// The answers are decoded into these shapes by schemas.ts; requests are sent exactly as typed.

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

/** The calls sentry-tg makes; `createSentryApi` (api.ts) is the one implementation. */
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
