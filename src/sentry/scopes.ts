// Which token scopes each Sentry call needs, so `doctor` can say what a token lacks before a
// call fails, and a 403 can name the missing scope.
import type { SentryApiMethod } from './types.js';

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
