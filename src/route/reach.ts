// Routes that no alert could ever reach, for doctor. Pure and deliberately simple: a finding is
// only reported when it is certain, so a warning is never wrong (some unreachable routes are
// missed, e.g. when two earlier routes together cover a later one).
//
// - shadowed: an earlier route without `continue` matches every alert this one matches (each of
//   its conditions is the same or wider: an empty match is widest), so first-match stops there;
// - out of scope: SENTRY_PROJECT limits the receiver to some projects and the route's projects
//   are not among them (the receiver drops those alerts before routing);
// - not subscribed: the internal integration does not subscribe to the resources the route
//   matches on (issue, error, comment, seer arrive only through subscriptions).

import { LEVELS, type Level } from '../normalise/alert.js';
import type { LevelMatch, Route, RouteMatch, RoutesConfig } from './config.js';

/** Resources Sentry sends only to an integration that subscribes to them. */
export const SUBSCRIPTION_RESOURCES: readonly string[] = ['issue', 'error', 'comment', 'seer'];

export type Unreachable =
  | { kind: 'shadowed'; index: number; route: string; by: string; byIndex: number }
  | { kind: 'out-of-scope'; index: number; route: string; projects: string[]; all: boolean }
  | { kind: 'not-subscribed'; index: number; route: string; resources: string[]; all: boolean };

export interface ReachInput {
  /** SENTRY_PROJECT as a list (lower case); empty = every project. */
  scope: readonly string[];
  /** The integration's subscribed events when known; null when unknown (or the plugin). */
  subscribed: readonly string[] | null;
}

function levelsOf(match: LevelMatch): readonly Level[] {
  return 'atLeast' in match ? LEVELS.slice(0, LEVELS.indexOf(match.atLeast) + 1) : match.exactly;
}

/** Every value the narrow list allows, the wide list allows too (absent wide = anything). */
function within(narrow: readonly string[] | undefined, wide: readonly string[] | undefined): boolean {
  if (wide === undefined) return true;
  return narrow !== undefined && narrow.every((v) => wide.includes(v));
}

/** True when every alert `narrow` matches, `wide` matches too. */
export function covers(wide: RouteMatch, narrow: RouteMatch): boolean {
  if (!within(narrow.project, wide.project)) return false;
  if (!within(narrow.environment, wide.environment)) return false;
  if (!within(narrow.resource, wide.resource)) return false;
  if (!within(narrow.rule, wide.rule)) return false;
  if (wide.level !== undefined) {
    if (narrow.level === undefined) return false;
    const allowed = levelsOf(wide.level);
    if (!levelsOf(narrow.level).every((l) => allowed.includes(l))) return false;
  }
  for (const [key, values] of Object.entries(wide.tags ?? {})) {
    if (!within(narrow.tags?.[key], values)) return false;
  }
  return true;
}

function shadowOf(routes: readonly Route[], index: number): number {
  const route = routes[index]!;
  return routes.slice(0, index).findIndex((earlier) => !earlier.continue && covers(earlier.match, route.match));
}

/** Every certain reason a route can never be matched, in route order. */
export function unreachableRoutes(config: Pick<RoutesConfig, 'routes'>, input: ReachInput): Unreachable[] {
  const found: Unreachable[] = [];
  config.routes.forEach((route, index) => {
    const by = shadowOf(config.routes, index);
    if (by >= 0) {
      found.push({ kind: 'shadowed', index, route: route.name, by: config.routes[by]!.name, byIndex: by });
      return;
    }
    if (input.scope.length > 0 && route.match.project !== undefined) {
      const outside = route.match.project.filter((p) => !input.scope.includes(p.toLowerCase()));
      if (outside.length > 0) {
        found.push({ kind: 'out-of-scope', index, route: route.name, projects: outside, all: outside.length === route.match.project.length });
      }
    }
    if (input.subscribed !== null && route.match.resource !== undefined) {
      const missing = route.match.resource.filter((r) => SUBSCRIPTION_RESOURCES.includes(r) && !input.subscribed!.includes(r));
      if (missing.length > 0) {
        found.push({ kind: 'not-subscribed', index, route: route.name, resources: missing, all: missing.length === route.match.resource.length });
      }
    }
  });
  return found;
}
