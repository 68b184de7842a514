// The routing configuration, as the routes file becomes once it is read and checked
// (routes-file.ts), or as the single chat from .env makes it (singleChatRoutes). Matching
// (match.ts) reads only this shape.

import type { Level } from '../normalise/alert.js';
import type { QuietHours } from './quiet.js';

export type Locale = 'en' | 'ru';
export const LOCALES: readonly Locale[] = ['en', 'ru'];

/**
 * Resource names a route can match. The Sentry-Hook-Resource values, plus `legacy` for the
 * WebHooks plugin, whose alerts are issue alerts and so also match `event_alert`.
 */
export const KNOWN_RESOURCES = [
  'issue',
  'event_alert',
  'metric_alert',
  'error',
  'comment',
  'seer',
  'installation',
  'legacy',
] as const;

/** Where an alert goes and how it is posted there. */
export interface Destination {
  /** A numeric chat id as text (`-1001234567890`, a user id) or a public `@username`. */
  chatId: string;
  /** Forum topic (message_thread_id). */
  topicId?: number;
  locale?: Locale;
  /** A template set name from SENTRY_TG_TEMPLATES. */
  template?: string;
  quiet?: QuietHours;
}

/** `level: error` is at least error; `level: {exactly: [warning, info]}` is only those. */
export type LevelMatch = { atLeast: Level } | { exactly: readonly Level[] };

/** Every condition present must hold; within one condition any listed value will do. */
export interface RouteMatch {
  project?: readonly string[];
  environment?: readonly string[];
  level?: LevelMatch;
  resource?: readonly string[];
  rule?: readonly string[];
  /** Every tag named must be on the alert, with one of the listed values. */
  tags?: Readonly<Record<string, readonly string[]>>;
}

export interface Route extends Destination {
  name: string;
  match: RouteMatch;
  /** After matching, go on to later routes too (fan-out) instead of stopping here. */
  continue: boolean;
}

export interface RoutesConfig {
  routes: readonly Route[];
  /** Where alerts that match no route go; without it they are unrouted. */
  default?: Destination;
  /** Things that are allowed but probably not meant, each with file:line, for the start-up log. */
  warnings: readonly string[];
}

/** The name targets from `default` carry; no route may take it. */
export const DEFAULT_ROUTE_NAME = 'default';

/** Without a routes file: every alert goes to the one chat (and topic) from .env. */
export function singleChatRoutes(chatId: string, topicId?: number | null): RoutesConfig {
  return {
    routes: [],
    default: topicId === undefined || topicId === null ? { chatId } : { chatId, topicId },
    warnings: [],
  };
}
