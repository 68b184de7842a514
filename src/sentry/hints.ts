// The "what to do" line of a SentryApiError, chosen from the call and Sentry's status. Kept
// apart from the transport so http.ts only classifies answers and this file owns the wording.
import { REQUIRED_SCOPES } from './scopes.js';
import type { SentryApiMethod } from './types.js';

const STANDARD_403 = 'You do not have permission to perform this action.';

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

export interface HttpFailure {
  name: SentryApiMethod;
  status: number;
  /** Sentry's words, already scrubbed and shortened. */
  detail: string | undefined;
  retryAfterSeconds: number | undefined;
  /** The redirect target of a 3xx. */
  location: string | null;
  /** Normalised SENTRY_URL. */
  base: string;
}

export function httpHint(f: HttpFailure): string {
  const { name, status, detail, base } = f;
  const tokenPage = `${base}/settings/account/api/auth-tokens/`;
  switch (true) {
    case status === 401:
      return `the Sentry auth token is invalid or revoked: create a new one at ${tokenPage}`;
    case status === 403: {
      const scopeText = REQUIRED_SCOPES[name].map((s) => `"${s}"`).join(' or ');
      if (detail !== undefined && detail !== STANDARD_403) {
        return `Sentry refused: ${detail} (the token needs ${scopeText || 'more access'}; tokens are made at ${tokenPage})`;
      }
      return `the Sentry auth token lacks the ${scopeText} scope needed to ${ACTIONS[name]}: create a token with it at ${tokenPage}`;
    }
    case status === 404:
      return notFoundHint(name, base);
    case status === 429:
      return f.retryAfterSeconds === undefined
        ? 'Sentry is rate-limiting this token: wait a little and try again'
        : `Sentry is rate-limiting this token: try again in ${f.retryAfterSeconds} s`;
    case status === 400:
      return `Sentry rejected the request to ${ACTIONS[name]}${detail ? `: ${detail}` : ''}`;
    case status >= 500:
      return `Sentry had an internal error (${status}): try again in a minute; if it persists check ${base}'s status`;
    case status >= 300 && status < 400:
      return `Sentry redirected (${status}): SENTRY_URL may need to be the region or https URL (${f.location ?? 'no location'})`;
    default:
      return `Sentry answered ${status}: check SENTRY_URL and try again`;
  }
}

function notFoundHint(name: SentryApiMethod, base: string): string {
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

export const networkHint = (base: string): string => `could not reach ${base}: check SENTRY_URL and the network`;
export const notSentryHint = (base: string): string => `${base} does not look like a Sentry server: check SENTRY_URL`;
export const shapeHint = (base: string): string =>
  `${base} answered unlike Sentry's API: check SENTRY_URL, or report this with the Sentry version`;
