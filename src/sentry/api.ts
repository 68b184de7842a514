// The Sentry REST client used by `setup`, `doctor` and the action buttons: the one facade the
// rest of the code imports. It speaks only the handful of endpoints in docs/sentry.md.
// Layout: http.ts (transport, paging, errors), schemas.ts (zod decoders of Sentry's answers),
// endpoints/ (one module per topic), scopes.ts (what each call needs), hints.ts (what to do).
import { integrationEndpoints } from './endpoints/integrations.js';
import { issueEndpoints } from './endpoints/issues.js';
import { orgEndpoints } from './endpoints/orgs.js';
import { pluginEndpoints } from './endpoints/plugin.js';
import { ruleEndpoints } from './endpoints/rules.js';
import { createTransport, type SentryApiOptions } from './http.js';
import type { SentryApi } from './types.js';

export { SentryApiError } from './errors.js';
export { nextCursor, normaliseBaseUrl, type SentryApiOptions } from './http.js';
export { REQUIRED_SCOPES, missingScopes, scopeSatisfies } from './scopes.js';
export type * from './types.js';

export function createSentryApi(opts: SentryApiOptions): SentryApi {
  const t = createTransport(opts);
  return {
    baseUrl: t.base,
    ...orgEndpoints(t),
    ...pluginEndpoints(t),
    ...ruleEndpoints(t),
    ...issueEndpoints(t),
    ...integrationEndpoints(t),
  };
}
