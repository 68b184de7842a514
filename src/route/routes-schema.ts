// The routes file's schema: the shape of each object, assembled from the value readers in
// routes-values.ts. Objects are strict, so a misspelt key is an error rather than a setting
// silently ignored (the loader turns zod's issues into file:line problems).

import * as z from 'zod';
import type { Destination, Locale, Route, RouteMatch } from './config.js';
import type { QuietHours } from './quiet.js';
import {
  chat,
  clock,
  failsOf,
  flag,
  level,
  levelMatch,
  locale,
  oneOrMany,
  resource,
  routeName,
  tags,
  template,
  text,
  timeZone,
  topic,
  Fail,
  type Read,
} from './routes-values.js';

/** A zod field from a reader: its Fails become zod issues at their paths. */
function field<T>(read: (value: unknown) => Read<T>) {
  return z.unknown().transform((value, ctx): T => {
    const result = read(value);
    const fails = failsOf(result);
    if (fails.length === 0) return result as T;
    for (const fail of fails) ctx.addIssue({ code: 'custom', message: fail.message, path: [...fail.path], input: value });
    return z.NEVER;
  });
}

const required =
  <T>(read: (v: unknown) => Read<T>) =>
  (value: unknown): Read<T> =>
    value === undefined ? new Fail('is required') : read(value);

const mapping = (keys: string) => ({
  error: (issue: { code: string }) => (issue.code === 'invalid_type' ? `must be a mapping (${keys})` : undefined),
});

const quietSchema = z
  .strictObject(
    {
      from: field(required(clock(false))),
      to: field(required(clock(true))),
      tz: field(required(timeZone)),
      loud_levels: field((v) => oneOrMany(v, level)).optional(),
    },
    mapping('from, to, tz, loud_levels'),
  )
  .transform(
    (q): QuietHours => ({
      fromMinuteOfDay: q.from,
      toMinuteOfDay: q.to,
      timeZone: q.tz,
      loudLevels: q.loud_levels ?? [],
    }),
  );

const destinationShape = {
  chat: field(required(chat)),
  topic: field(topic).optional(),
  locale: field(locale).optional(),
  template: field(template).optional(),
  quiet: quietSchema.optional(),
};

interface DestinationKeys {
  chat: string;
  topic?: number | undefined;
  locale?: Locale | undefined;
  template?: string | undefined;
  quiet?: QuietHours | undefined;
}

function destination(d: DestinationKeys): Destination {
  return {
    chatId: d.chat,
    ...(d.topic !== undefined ? { topicId: d.topic } : {}),
    ...(d.locale !== undefined ? { locale: d.locale } : {}),
    ...(d.template !== undefined ? { template: d.template } : {}),
    ...(d.quiet !== undefined ? { quiet: d.quiet } : {}),
  };
}

const texts = field((v) => oneOrMany(v, text)).optional();

const matchSchema = z.strictObject(
  {
    project: texts,
    environment: texts,
    level: field(levelMatch).optional(),
    resource: field((v) => oneOrMany(v, resource)).optional(),
    rule: texts,
    tags: field(tags).optional(),
  },
  mapping('project, environment, level, resource, rule, tags'),
);

const routeSchema = z
  .strictObject(
    {
      name: field(required(routeName)),
      match: matchSchema.optional(),
      ...destinationShape,
      continue: field(flag).optional(),
    },
    mapping('name, match, chat, topic, locale, template, quiet, continue'),
  )
  .transform(
    (r): Route => ({
      name: r.name,
      // Absent conditions are left out, so an empty match is `{}` and means "every alert".
      match: Object.fromEntries(Object.entries(r.match ?? {}).filter(([, v]) => v !== undefined)) as RouteMatch,
      ...destination(r),
      continue: r.continue ?? false,
    }),
  );

export const routesFileSchema = z.strictObject(
  {
    default: z
      .strictObject(destinationShape, mapping('chat, topic, locale, template, quiet'))
      .transform(destination)
      .optional(),
    routes: z.array(routeSchema, { error: 'must be a list of routes (each item starts with "- name:")' }).optional(),
  },
  mapping('default, routes'),
);
