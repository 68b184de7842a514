// Which keys setup owns in the env file and what it writes there. Values the receiver needs
// later (`sentry-tg serve`, `doctor`) are written; defaults are left out unless the file
// already names them; a topic that is no longer wanted is removed.
import { relative } from 'node:path';
import { OPTIONS, type OptionKey } from '../../config/options.js';
import { writeEnvFile, type EnvUpdates, type EnvWriteResult } from '../../config/env-file.js';
import type { PublicChoice } from './public-url.js';
import type { Session } from './session.js';

/** Setup's keys and their new values (null = remove); pure. */
export function envUpdates(s: Pick<Session, 'settings' | 'sources'>, pub: PublicChoice, webhookSecret: string | undefined): EnvUpdates {
  const st = s.settings;
  const u: EnvUpdates = {};
  const set = (key: OptionKey, value: string | number | undefined | null) => {
    if (value !== undefined && value !== null && value !== '') u[OPTIONS[key].env] = String(value);
  };
  set('telegramToken', st.telegramToken);
  set('chatId', st.chatId);
  u[OPTIONS.topicId.env] = st.topicId === undefined ? null : String(st.topicId);
  set('webhookSecret', webhookSecret);
  set('sentryAuthToken', st.sentryAuthToken);
  set('sentryOrg', st.sentryOrg);
  set('sentryProject', st.sentryProject);
  set('mode', st.mode);
  set('integration', st.integration);
  if (st.allowedUsers.length > 0) set('allowedUsers', st.allowedUsers.join(','));
  // Defaults only when they differ or the user chose them explicitly.
  for (const key of ['sentryUrl', 'telegramApiRoot'] as const) {
    if (st[key] !== OPTIONS[key].fallback || (s.sources[key] !== 'default' && s.sources[key] !== undefined)) set(key, st[key]);
  }
  if (pub.kind === 'url') set('publicUrl', pub.url);
  if (pub.kind === 'tunnel') set('ngrokAuthtoken', pub.authtoken);
  // Where the receiver listens must match what the public URL forwards to.
  for (const key of ['port', 'host', 'dataDir', 'logFile'] as const) {
    if (s.sources[key] === 'flag') set(key, st[key]);
  }
  return u;
}

export async function writeEnv(s: Session, updates: EnvUpdates): Promise<EnvWriteResult> {
  const result = await writeEnvFile(s.envPath, updates, { now: s.ctx.now });
  const name = relative(s.ctx.cwd, result.path) || result.path;
  const out = s.ctx.out;
  if (result.changed.length > 0) {
    const parts = [
      result.added.length ? `added ${result.added.join(', ')}` : '',
      result.updated.length ? `updated ${result.updated.join(', ')}` : '',
      result.removed.length ? `removed ${result.removed.join(', ')}` : '',
    ].filter(Boolean);
    const backup = result.backupPath ? `; backup ${relative(s.ctx.cwd, result.backupPath) || result.backupPath}` : '';
    out.ok(`${result.created ? 'Created' : 'Updated'} ${name}: ${parts.join('; ')}${backup}.`);
    s.changes.local.push(`${name}: ${parts.join('; ')} (mode 0600${backup})`);
  } else {
    out.ok(`${name} already had these settings.`);
  }
  if (result.modeFixed) {
    out.ok(`${name} was readable by others: now mode 0600.`);
    if (result.changed.length === 0) s.changes.local.push(`${name}: mode set to 0600`);
  }
  if (result.gitignore.state === 'added') {
    const gi = relative(s.ctx.cwd, result.gitignore.path) || result.gitignore.path;
    out.ok(`Added ${result.gitignore.patterns.join(', ')} to ${gi}.`);
    s.changes.local.push(`${gi}: added ${result.gitignore.patterns.join(', ')}`);
  }
  if (result.tracked) {
    out.warn(`${name} is tracked by git: run \`git rm --cached ${name}\` and commit, or its secrets end up in the repository.`);
  }
  return result;
}
