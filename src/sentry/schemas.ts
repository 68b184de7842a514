// zod schemas for what sentry-tg reads from Sentry's answers. Lenient where Sentry varies
// between versions and hosting (unknown fields pass, optional fields fall back to a default,
// ids may be numbers), strict only on what a call cannot work without (a slug, an id). A
// malformed answer becomes a sentence naming the field, never a crash.
import { z } from 'zod';
import type {
  RuleNode,
  SentryApp,
  SentryAppInstallation,
  SentryIssue,
  SentryOrganization,
  SentryProject,
  SentryRule,
  SentryUser,
  WebhooksPlugin,
} from './types.js';

/** Sentry ids are strings in JSON, but older endpoints send numbers. */
const id = z.union([z.string().min(1), z.number().transform(String)]);
const text = (fallback: string) => z.string().catch(fallback);
const textOrNull = z.string().nullable().catch(null);
/** A string where "" means "not set". */
const nonEmptyOrNull = z.string().catch('').transform((s) => (s === '' ? null : s));
const strings = z.array(z.unknown()).catch([]).transform((a) => a.filter((v): v is string => typeof v === 'string'));
const record = z.record(z.string(), z.unknown());
const slugOf = z.looseObject({ slug: z.string() });

const ruleNode = z.looseObject({ id: z.string() });
/** Conditions, filters and actions: nodes without a string id are not ours to read. */
const nodes = z
  .array(z.unknown())
  .catch([])
  .transform((a) => a.filter((n): n is RuleNode => ruleNode.safeParse(n).success));

export const userSchema = z
  .looseObject({ id, username: text(''), email: text(''), name: z.string().optional().catch(undefined) })
  .transform(({ id, username, email, name }): SentryUser => (name === undefined ? { id, username, email } : { id, username, email, name }));

export const whoamiSchema = z.looseObject({
  auth: z.looseObject({ scopes: z.array(z.unknown()) }).optional().catch(undefined),
  user: z.unknown().optional(),
});

export const organizationSchema = z
  .looseObject({
    slug: z.string(),
    id: id.catch(''),
    name: z.string().optional().catch(undefined),
    links: z.looseObject({ regionUrl: z.string() }).optional().catch(undefined),
  })
  .transform((v): SentryOrganization => {
    const org: SentryOrganization = { id: v.id, slug: v.slug, name: v.name ?? v.slug };
    if (v.links) org.regionUrl = v.links.regionUrl;
    return org;
  });

export const projectSchema = z
  .looseObject({
    slug: z.string(),
    id: id.catch(''),
    name: z.string().optional().catch(undefined),
    platform: nonEmptyOrNull,
    organization: slugOf.optional().catch(undefined),
  })
  .transform((v): SentryProject => {
    const project: SentryProject = { id: v.id, slug: v.slug, name: v.name ?? v.slug, platform: v.platform };
    if (v.organization) project.organization = v.organization.slug;
    return project;
  });

function splitUrls(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.filter((u): u is string => typeof u === 'string').map((u) => u.trim()).filter(Boolean);
  }
  if (typeof value !== 'string') return [];
  return value
    .split(/\r?\n/)
    .map((u) => u.trim())
    .filter(Boolean);
}

// Plugin serializer: {enabled, config:[{name:'urls', value:'a\nb'}]}; newer Sentry's
// legacy-webhooks endpoint answers {enabled, urls:[...]} instead.
const pluginWithUrls = z
  .looseObject({ enabled: z.unknown().optional(), urls: z.array(z.unknown()) })
  .transform((v): WebhooksPlugin => ({ enabled: v.enabled === true, urls: splitUrls(v.urls) }));
const pluginWithConfig = z
  .looseObject({ enabled: z.unknown().optional(), config: z.unknown().optional() })
  .refine((v) => Array.isArray(v.config) || typeof v.enabled === 'boolean', {
    message: 'expected "config" (a list) or "enabled" (a boolean)',
  })
  .transform((v): WebhooksPlugin => {
    const field = Array.isArray(v.config) ? v.config.find((f) => record.safeParse(f).success && f.name === 'urls') : undefined;
    return { enabled: v.enabled === true, urls: splitUrls((field as { value?: unknown } | undefined)?.value) };
  });
export const pluginSchema = z.union([pluginWithUrls, pluginWithConfig]);

export const ruleSchema = z
  .looseObject({
    id,
    name: text(''),
    actionMatch: text('all'),
    filterMatch: textOrNull,
    frequency: z.number().nullable().catch(null),
    environment: textOrNull,
    conditions: nodes,
    filters: nodes,
    actions: nodes,
  })
  .transform(
    (v): SentryRule => ({
      id: v.id,
      name: v.name,
      actionMatch: v.actionMatch,
      filterMatch: v.filterMatch,
      frequency: v.frequency,
      environment: v.environment,
      conditions: v.conditions,
      filters: v.filters,
      actions: v.actions,
    }),
  );

export const issueSchema = z
  .looseObject({
    id,
    shortId: text(''),
    title: text(''),
    status: text(''),
    substatus: textOrNull,
    statusDetails: record.catch({}),
    permalink: textOrNull,
  })
  .transform(
    (v): SentryIssue => ({
      id: v.id,
      shortId: v.shortId,
      title: v.title,
      status: v.status,
      substatus: v.substatus,
      statusDetails: v.statusDetails,
      permalink: v.permalink,
    }),
  );

/** Sentry masks a secret it will no longer show as asterisks. */
const MASKED = /^\*+$/;

export const sentryAppSchema = z
  .looseObject({
    slug: z.string(),
    uuid: text(''),
    name: z.string().optional().catch(undefined),
    status: text(''),
    webhookUrl: nonEmptyOrNull,
    isAlertable: z.unknown().optional(),
    events: strings,
    scopes: strings,
    clientSecret: nonEmptyOrNull,
  })
  .transform(
    (v): SentryApp => ({
      slug: v.slug,
      uuid: v.uuid,
      name: v.name ?? v.slug,
      status: v.status,
      webhookUrl: v.webhookUrl,
      isAlertable: v.isAlertable === true,
      events: v.events,
      scopes: v.scopes,
      clientSecret: v.clientSecret !== null && !MASKED.test(v.clientSecret) ? v.clientSecret : null,
    }),
  );

export const installationSchema = z
  .looseObject({
    uuid: z.string(),
    status: text(''),
    app: z.looseObject({ slug: z.string(), uuid: text('') }),
    organization: slugOf.optional().catch(undefined),
  })
  .transform((v): SentryAppInstallation => {
    const installation: SentryAppInstallation = { uuid: v.uuid, status: v.status, app: { slug: v.app.slug, uuid: v.app.uuid } };
    if (v.organization) installation.organization = v.organization.slug;
    return installation;
  });

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

/** One answer: its value, or which field was wrong and how (e.g. `slug: expected string, received number`). */
export function decodeOne<T>(schema: z.ZodType<T>, body: unknown): Decoded<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: describeIssue(parsed.error) };
}

/**
 * The items of a list answer that can be read; the others are skipped, as one odd entry (an
 * app without a slug, a rule from a newer Sentry) must not hide the rest.
 */
export function decodeEach<T>(schema: z.ZodType<T>, items: readonly unknown[]): T[] {
  const out: T[] = [];
  for (const item of items) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unreadable answer';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the answer';
  return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
}
