// Sentry questions: how Sentry calls us (mode), the base URL, the auth token (checked with
// whoami and against the scopes the chosen mode needs), the organisation and the project.
import { OPTIONS } from '../../config/options.js';
import { UserError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import {
  createSentryApi,
  missingScopes,
  REQUIRED_SCOPES,
  scopeSatisfies,
  SentryApiError,
  type SentryApi,
  type SentryApiMethod,
  type SentryUser,
} from '../../sentry/api.js';
import { modeFromFlags } from './preflight.js';
import { flagAndEnv, missingAnswer, type Mode, type Session } from './session.js';

export interface SentryAnswer {
  api: SentryApi;
  baseUrl: string;
  user?: SentryUser;
  /** null when Sentry did not list the token's scopes. */
  scopes: string[] | null;
  mode: Mode;
  org: string;
  project: string;
  projectName: string;
  /** Further projects of a comma-separated SENTRY_PROJECT: each gets the same alert rule. */
  moreProjects: string[];
  /** The auth token that worked. */
  token: string;
  /** SENTRY_PROJECT to keep: the list as given when it names several projects. */
  projectSetting: string;
}

const MAX_ATTEMPTS = 3;

/** What each call does, for "the token lacks X, needed for <call>". */
const CALLS: Partial<Record<SentryApiMethod, string>> = {
  listOrganizations: 'GET /api/0/organizations/ (list your organisations)',
  listProjects: 'GET /api/0/organizations/{org}/projects/ (list the projects)',
  getProject: 'GET /api/0/projects/{org}/{project}/ (check the project)',
  getWebhooksPlugin: 'GET /api/0/projects/{org}/{project}/plugins/webhooks/ (read the WebHooks plugin)',
  enableWebhooksPlugin: 'POST /api/0/projects/{org}/{project}/plugins/webhooks/ (enable the WebHooks plugin)',
  setWebhookUrls: 'PUT /api/0/projects/{org}/{project}/plugins/webhooks/ (set its callback URLs)',
  testWebhooksPlugin: 'POST /api/0/projects/{org}/{project}/plugins/webhooks/ {"test":true} (send the test alert)',
  listRules: 'GET /api/0/projects/{org}/{project}/rules/ (find an existing alert rule)',
  createRule: 'POST /api/0/projects/{org}/{project}/rules/ (create the alert rule)',
  updateIssue: 'PUT /api/0/organizations/{org}/issues/{id}/ (the Resolve / Archive buttons)',
  listSentryApps: 'GET /api/0/organizations/{org}/sentry-apps/ (find the sentry-tg integration)',
  createInternalIntegration: 'POST /api/0/sentry-apps/ (create the internal integration)',
  updateSentryApp: 'PUT /api/0/sentry-apps/{slug}/ (update its webhook URL)',
};

/** The calls a run in this mode makes (which need scopes). */
export function callsFor(mode: Mode, opts: { listOrgs: boolean; listProjects: boolean; buttons?: boolean }): SentryApiMethod[] {
  const calls: SentryApiMethod[] = [];
  if (opts.listOrgs) calls.push('listOrganizations');
  if (opts.listProjects) calls.push('listProjects');
  calls.push('getProject');
  if (mode === 'plugin') {
    calls.push('getWebhooksPlugin', 'enableWebhooksPlugin', 'setWebhookUrls', 'testWebhooksPlugin');
  } else {
    calls.push('listSentryApps', 'createInternalIntegration', 'updateSentryApp');
  }
  calls.push('listRules', 'createRule');
  // Resolve / Archive change issues with this same token.
  if (opts.buttons) calls.push('updateIssue');
  return calls;
}

/** Scopes to ask for when creating a token for this mode. */
export function suggestedScopes(mode: Mode, buttons = false): string[] {
  const base = mode === 'plugin'
    ? ['org:read', 'project:read', 'project:write', 'alerts:write']
    : ['org:read', 'org:write', 'project:read', 'alerts:write', 'event:read'];
  return buttons ? [...base, 'event:write'] : base;
}

/** One line per missing scope, naming the call that needs it; empty when all is well. Pure. */
export function explainMissingScopes(granted: readonly string[], mode: Mode, calls: readonly SentryApiMethod[]): string[] {
  const lines = missingScopes(granted, calls).map(
    (m) => `${REQUIRED_SCOPES[m].join(' or ')}: needed for ${CALLS[m] ?? m}`,
  );
  if (mode === 'integration' && !scopeSatisfies(granted, 'event:read')) {
    lines.push(
      'event:read: the integration subscribes to issue events, which need event:read, and Sentry lets a token give an integration only scopes it holds itself',
    );
  }
  return lines;
}

export async function askMode(s: Session): Promise<Mode> {
  const given = modeFromFlags(s);
  if (given) return given;
  if (!s.interactive) throw missingAnswer(s, '--mode plugin|integration', 'how Sentry calls the receiver');
  return s.ctx.prompts.select<Mode>({
    message: s.t('setup.q.mode'),
    choices: [
      {
        name: s.t('setup.mode.integration'),
        value: 'integration',
        description: s.t('setup.mode.integrationAbout'),
      },
      {
        name: s.t('setup.mode.plugin'),
        value: 'plugin',
        description: s.t('setup.mode.pluginAbout'),
      },
    ],
  });
}

function validator(key: 'sentryUrl' | 'sentryAuthToken') {
  return (raw: string): true | string => {
    const r = OPTIONS[key].parse(raw);
    return 'error' in r ? r.error : true;
  };
}

async function askBaseUrl(s: Session): Promise<string> {
  if (s.sources.sentryUrl !== 'default' || !s.interactive) return s.settings.sentryUrl;
  const raw = await s.ctx.prompts.input({
    message: 'Sentry URL (https://sentry.io, a region such as https://de.sentry.io, or your self-hosted URL)',
    default: s.settings.sentryUrl,
    validate: validator('sentryUrl'),
  });
  const parsed = OPTIONS.sentryUrl.parse(raw.trim());
  return 'value' in parsed ? parsed.value : s.settings.sentryUrl;
}

export async function askSentry(s: Session, mode: Mode): Promise<SentryAnswer> {
  const { ctx } = s;
  const baseUrl = await askBaseUrl(s);
  const tokenPage = `${baseUrl.replace(/\/+$/, '')}/settings/account/api/auth-tokens/`;
  const buttons = s.settings.allowedUsers.length > 0;
  const calls = callsFor(mode, { listOrgs: !s.settings.sentryOrg, listProjects: !s.settings.sentryProject, buttons });
  let token = s.settings.sentryAuthToken;
  let api: SentryApi;
  let user: SentryUser | undefined;
  let scopes: string[] | null;
  for (let attempt = 1; ; attempt++) {
    if (!token) {
      if (!s.interactive) throw missingAnswer(s, flagAndEnv('sentryAuthToken'), 'a Sentry auth token');
      ctx.out.info(`Create a Sentry auth token at ${tokenPage} with the scopes ${suggestedScopes(mode, buttons).join(', ')}.`);
      token = (await ctx.prompts.password({ message: s.t('setup.q.sentryToken'), validate: validator('sentryAuthToken') })).trim();
    }
    registerSecret(token);
    api = createSentryApi({ baseUrl, token, fetch: ctx.fetch, now: ctx.now });
    let problem: UserError | null = null;
    try {
      const who = await api.whoami();
      user = who.user;
      scopes = who.scopes;
      // An organisation token has scopes but no user; no user and no scopes: not signed in.
      if (!user && scopes === null) {
        problem = new UserError('Sentry did not recognise the auth token (it answered as if none was sent).', `Create a user auth token at ${tokenPage}.`);
      }
    } catch (err) {
      if (!(err instanceof SentryApiError) || err.status !== 401) throw err;
      problem = new UserError(`Sentry rejected the auth token (401${err.detail ? `: ${err.detail}` : ''}).`, err.hint);
      scopes = null;
    }
    if (!problem && scopes) {
      const lines = explainMissingScopes(scopes, mode, calls);
      if (lines.length > 0) {
        problem = new UserError(
          `The Sentry auth token lacks scopes that ${mode === 'plugin' ? 'the WebHooks plugin' : 'the internal integration'} setup needs:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
          `Create a token with ${suggestedScopes(mode, buttons).join(', ')} at ${tokenPage} and pass it as --sentry-token or SENTRY_AUTH_TOKEN.`,
        );
      }
    }
    if (!problem) break;
    if (!s.interactive || attempt >= MAX_ATTEMPTS) throw problem;
    ctx.out.warn(problem.message);
    if (problem.hint) ctx.out.warn(problem.hint);
    token = undefined;
  }
  if (scopes === null) ctx.out.warn('Sentry did not list the token\'s scopes: continuing, calls that need more will say so.');
  ctx.out.ok(s.t('setup.signedIn', { user: user ? s.t('setup.signedInAs', { user: user.email || user.username }) : '', base: api.baseUrl }));

  const org = await askOrg(s, api);
  // SENTRY_PROJECT may name several projects (the receiver's scope): each must exist.
  const [first, ...more] = (s.settings.sentryProject ?? '').split(/[\s,]+/).filter(Boolean);
  const list = s.settings.sentryProject;
  const project = await askProject(s, api, org, first);
  for (const slug of more) {
    await api.getProject(org, slug).catch((err: unknown) => {
      if (err instanceof SentryApiError && err.status === 404) {
        throw new UserError(`Sentry has no project "${slug}" in organisation "${org}".`, 'Check SENTRY_PROJECT (slugs, comma-separated).');
      }
      throw err;
    });
  }
  const projectSetting = more.length > 0 && list !== undefined ? list : (first ?? project.slug);
  return {
    api,
    baseUrl,
    ...(user ? { user } : {}),
    scopes,
    mode,
    org,
    project: project.slug,
    projectName: project.name,
    moreProjects: more,
    token,
    projectSetting,
  };
}

async function askOrg(s: Session, api: SentryApi): Promise<string> {
  const given = s.settings.sentryOrg;
  if (given) return given;
  if (!s.interactive) throw missingAnswer(s, flagAndEnv('sentryOrg'), 'the organisation slug');
  const orgs = await api.listOrganizations();
  if (orgs.length === 0) throw new UserError('This Sentry token sees no organisation.', 'Use a token of a member of the organisation.');
  let slug: string;
  if (orgs.length === 1) {
    slug = orgs[0]!.slug;
    s.ctx.out.ok(s.t('setup.organisation', { name: orgs[0]!.name, slug }));
  } else {
    slug = await s.ctx.prompts.select({
      message: s.t('setup.q.org'),
      choices: orgs.map((o) => ({ name: `${o.name} (${o.slug})`, value: o.slug })),
    });
  }
  return slug;
}

async function askProject(s: Session, api: SentryApi, org: string, given: string | undefined): Promise<{ slug: string; name: string }> {
  if (given) {
    try {
      const p = await api.getProject(org, given);
      s.ctx.out.ok(s.t('setup.project', { name: p.name, org, slug: p.slug }));
      return p;
    } catch (err) {
      if (err instanceof SentryApiError && err.status === 404) {
        throw new UserError(`Sentry has no project "${given}" in organisation "${org}".`, 'Check SENTRY_ORG and SENTRY_PROJECT (slugs, as in the project URL).');
      }
      throw err;
    }
  }
  if (!s.interactive) throw missingAnswer(s, flagAndEnv('sentryProject'), 'the project slug');
  const projects = await api.listProjects(org).catch((err: unknown) => {
    if (err instanceof SentryApiError && err.status === 404) {
      throw new UserError(`Sentry has no organisation "${org}" for this token.`, 'Check SENTRY_ORG (the slug in your Sentry URL).');
    }
    throw err;
  });
  if (projects.length === 0) throw new UserError(`Organisation "${org}" has no projects this token can see.`, 'Create a project in Sentry first.');
  let chosen = projects[0]!;
  if (projects.length > 1) {
    const slug = await s.ctx.prompts.select({
      message: s.t('setup.q.project'),
      choices: projects.map((p) => ({ name: `${p.name} (${p.slug})${p.platform ? ` · ${p.platform}` : ''}`, value: p.slug })),
    });
    chosen = projects.find((p) => p.slug === slug) ?? chosen;
  } else {
    s.ctx.out.ok(s.t('setup.project', { name: chosen.name, org, slug: chosen.slug }));
  }
  return chosen;
}
