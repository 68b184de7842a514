// Setup's questions, in order: bot → chat → who may press buttons → mode → Sentry → public URL
// → frequency rule → webhook secret. Each step returns its answers; only this module keeps
// them in the settings (for the next steps, the plan, and the state file a later run resumes
// from). Reads only: nothing outside this machine changes here.
import { randomBytes } from 'node:crypto';
import { registerSecret } from '../../log/redact.js';
import { urlToken, WEBHOOK_PATH } from '../../receive/verify.js';
import { askChat, type ChatAnswer } from './chat.js';
import { askIntegrationSecret, type IntegrationSecret } from './own-app.js';
import { askPublicUrl, type PublicChoice } from './public-url.js';
import { hadFrequency, type FrequencyWish } from './register.js';
import { askMode, askSentry, type SentryAnswer } from './sentry.js';
import { keep, type Mode, type Session } from './session.js';
import { askBot, type BotAnswer } from './telegram.js';
import { joinUrl } from './url-check.js';

export interface Answers {
  bot: BotAnswer;
  chat: ChatAnswer;
  mode: Mode;
  sentry: SentryAnswer;
  pub: PublicChoice;
  frequency: FrequencyWish;
  /** The webhook secret when known (plugin: always; integration: once Sentry showed it). */
  secret: string | undefined;
  integration?: IntegrationSecret;
}

/** Who may press Resolve / Archive: offered from the people seen while finding the chat. */
async function askButtons(s: Session, chat: ChatAnswer): Promise<number[] | undefined> {
  if (s.settings.allowedUsers.length > 0 || !s.interactive || !chat.users?.length) return undefined;
  const names = chat.users.map((u) => `${u.name} (${u.id})`).join(', ');
  const yes = await s.ctx.prompts.confirm({
    message: s.t('setup.q.buttons', { names }),
    default: true,
  });
  return yes ? chat.users.map((u) => u.id) : undefined;
}

export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

async function askFrequency(s: Session, pub: PublicChoice, sentry: SentryAnswer): Promise<FrequencyWish> {
  if (s.flags.frequencyRule !== undefined) return s.flags.frequencyRule;
  // Without an answer, an existing sentry-tg rule of either kind is kept as it is.
  if (!s.interactive || pub.kind === 'none') return 'any';
  // The last run's answer is the default: it lives in sentry-tg's own rule.
  const before = hadFrequency(await sentry.api.listRules(sentry.org, sentry.project));
  return s.ctx.prompts.confirm({ message: s.t('setup.q.frequency'), default: before });
}

/** Asks everything the plan needs; `checkpoint` saves the answers so far (resumable). */
export async function askQuestions(s: Session, checkpoint: () => Promise<void>): Promise<Answers> {
  const st = s.settings;
  const bot = await askBot(s);
  keep(s, { telegramToken: bot.token });
  await checkpoint();
  const chat = await askChat(s, bot);
  keep(s, { chatId: chat.chatId, topicId: chat.topicId });
  const allowedUsers = await askButtons(s, chat);
  if (allowedUsers) keep(s, { allowedUsers });
  await checkpoint();
  const mode = await askMode(s);
  keep(s, { mode });
  const sentry = await askSentry(s, mode);
  keep(s, { sentryUrl: sentry.baseUrl, sentryAuthToken: sentry.token, sentryOrg: sentry.org, sentryProject: sentry.projectSetting });
  await checkpoint();
  const pub = await askPublicUrl(s);
  if (pub.kind === 'url') keep(s, { publicUrl: pub.url });
  if (pub.kind === 'tunnel') keep(s, { ngrokAuthtoken: pub.authtoken });
  if (pub.port !== undefined) keep(s, { port: pub.port });
  await checkpoint();
  const frequency = await askFrequency(s, pub, sentry);

  let secret: string | undefined = st.webhookSecret;
  let integration: IntegrationSecret | undefined;
  if (mode === 'plugin') {
    secret ??= newSecret();
    // Kept, so that a resumed run builds the same callback URL.
    keep(s, { webhookSecret: secret });
  } else if (pub.kind !== 'none') {
    integration = await askIntegrationSecret(s, sentry, pub.kind === 'url' ? joinUrl(pub.url, WEBHOOK_PATH) : undefined);
    if (integration.app) keep(s, { integration: integration.app.slug });
    if (integration.secret) keep(s, { webhookSecret: integration.secret });
    secret = integration.secret;
  }
  registerSecret(secret);
  // The plugin's URL token is as good as a password to the receiver: never print it...
  // ...except in the manual steps, where the user has to copy it.
  if (mode === 'plugin' && secret && pub.kind !== 'none') registerSecret(urlToken(secret));

  return { bot, chat, mode, sentry, pub, frequency, secret, ...(integration ? { integration } : {}) };
}
