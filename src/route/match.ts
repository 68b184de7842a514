// Which chats (and forum topics) an alert goes to. Pure: the alert and the checked routes in,
// an ordered list of targets out.
//
// Routes are tried in file order. The first that matches is a target; if it says
// `continue: true`, later routes are tried too and each that matches is another target (fan-out),
// until a matching route without `continue`. Nothing matched → the default chat, if set; else no
// targets, and the caller counts and logs the alert as unrouted.
//
// Conditions: every key present must hold; a list means any of its values. Text compares exactly
// (Sentry's slugs, environments, rule names and tags are case-sensitive).
// - project: alert.project (the slug; a metric alert's first project).
// - environment: alert.environment.
// - level: `atLeast` compares fatal > error > warning > info > debug; `exactly` is membership.
//   An alert without a level (comments, Seer, installation, some plugin bodies) matches no level
//   condition.
// - resource: alert.resource, the Sentry-Hook-Resource; the WebHooks plugin's alerts (`legacy`)
//   are issue alerts, so they answer to both `event_alert` and `legacy`.
// - rule: alert.rule; the plugin joins several triggering rules with ", ", so each of those names
//   matches too.
// - tags: every tag named must be on the alert (alert.tags, event alerts only) with a listed value.

import { LEVELS, type Alert, type Level } from '../normalise/alert.js';
import {
  DEFAULT_ROUTE_NAME,
  type Destination,
  type LevelMatch,
  type Locale,
  type RouteMatch,
  type RoutesConfig,
} from './config.js';
import type { QuietHours } from './quiet.js';

export interface RouteTarget {
  chatId: string;
  topicId: number | null;
  locale?: Locale;
  template?: string;
  quiet?: QuietHours;
  /** The route that chose this target; `default` for the default chat. */
  routeName: string;
}

/** The names an alert answers to in a route's `resource:`. */
export function resourceNames(alert: Pick<Alert, 'resource'>): readonly string[] {
  return alert.resource === 'legacy' ? ['event_alert', 'legacy'] : [alert.resource];
}

function levelMatches(match: LevelMatch, level: Level | null): boolean {
  if (level === null) return false;
  if ('exactly' in match) return match.exactly.includes(level);
  // LEVELS runs from fatal (0) to debug (4): "at least" is an index at or below.
  return LEVELS.indexOf(level) <= LEVELS.indexOf(match.atLeast);
}

function ruleNames(rule: string | undefined): readonly string[] {
  if (rule === undefined) return [];
  const parts = rule.split(', ');
  return parts.length > 1 ? [rule, ...parts] : [rule];
}

function anyOf(wanted: readonly string[] | undefined, actual: readonly string[]): boolean {
  return wanted === undefined || actual.some((a) => wanted.includes(a));
}

function given(value: string | undefined): readonly string[] {
  return value === undefined ? [] : [value];
}

function tagsMatch(wanted: RouteMatch['tags'], tags: Alert['tags']): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(
    ([key, values]) => tags !== undefined && Object.hasOwn(tags, key) && values.includes(tags[key] as string),
  );
}

/** True when the alert meets every condition of the match (an empty match meets all). */
export function routeMatches(match: RouteMatch, alert: Alert): boolean {
  return (
    anyOf(match.project, given(alert.project)) &&
    anyOf(match.environment, given(alert.environment)) &&
    (match.level === undefined || levelMatches(match.level, alert.level)) &&
    anyOf(match.resource, resourceNames(alert)) &&
    anyOf(match.rule, ruleNames(alert.rule)) &&
    tagsMatch(match.tags, alert.tags)
  );
}

function target(destination: Destination, routeName: string): RouteTarget {
  return {
    chatId: destination.chatId,
    topicId: destination.topicId ?? null,
    ...(destination.locale !== undefined ? { locale: destination.locale } : {}),
    ...(destination.template !== undefined ? { template: destination.template } : {}),
    ...(destination.quiet !== undefined ? { quiet: destination.quiet } : {}),
    routeName,
  };
}

/**
 * The targets for an alert, in route order. A chat and topic appears once: when two matching
 * routes name the same place, the first one's settings are used, so the chat never gets the
 * same alert twice.
 */
export function matchRoutes(alert: Alert, config: RoutesConfig): RouteTarget[] {
  const targets: RouteTarget[] = [];
  const add = (destination: Destination, name: string): void => {
    const topicId = destination.topicId ?? null;
    const seen = targets.some((t) => t.chatId === destination.chatId && t.topicId === topicId);
    if (!seen) targets.push(target(destination, name));
  };
  for (const route of config.routes) {
    if (!routeMatches(route.match, alert)) continue;
    add(route, route.name);
    if (!route.continue) break;
  }
  if (targets.length === 0 && config.default !== undefined) add(config.default, DEFAULT_ROUTE_NAME);
  return targets;
}
