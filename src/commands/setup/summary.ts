// The last word: every local file and remote setting this run changed (also after a failure,
// so nothing changed goes unmentioned), then what to run next.
import { pluginCallbackUrl, WEBHOOK_PATH } from '../../receive/verify.js';
import type { Mode, Session } from './session.js';

export function printChanges(s: Session, heading = s.t('setup.summary')): void {
  const { out } = s.ctx;
  const { local, remote } = s.changes;
  out.plain('');
  out.plain(`${heading}:`);
  if (local.length === 0 && remote.length === 0) {
    out.plain(`  ${s.t('setup.nothingChanged')}`);
    return;
  }
  for (const l of local) out.plain(`  local   ${l}`);
  for (const r of remote) out.plain(`  remote  ${r}`);
}

/** `sentry-tg serve …` as the user should type it next time. */
export function serveCommand(s: Session, tunnel: boolean): string {
  const parts = ['sentry-tg serve'];
  if (tunnel) parts.push('--tunnel');
  if (s.envArg && s.envArg !== '.env') parts.push(`--env-file ${s.envArg}`);
  return parts.join(' ');
}

/** No public URL: what to set up by hand, with the callback URL the receiver will accept. */
export function manualSteps(s: Session, mode: Mode, secret: string | undefined, org: string, project: string): string[] {
  const example = 'https://<your-host>';
  const listen = `${s.settings.host}:${s.settings.port}`;
  const t = s.t;
  const lines = [t('setup.manual.forward', { listen, tunnel: serveCommand(s, true) }), t('setup.manual.start', { serve: serveCommand(s, false) })];
  if (mode === 'plugin') {
    lines.push(
      t('setup.manual.plugin', { org, project }),
      `   ${pluginCallbackUrl(example, secret)}`,
      t('setup.manual.pluginPrivate'),
      t('setup.manual.pluginRule'),
    );
  } else {
    lines.push(
      t('setup.manual.app', { org, url: `${example}${WEBHOOK_PATH}` }),
      t('setup.manual.appDetails'),
      t('setup.manual.appRule'),
    );
  }
  lines.push(t('setup.manual.orRun', { url: example }));
  return lines;
}
