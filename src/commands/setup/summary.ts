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
  const lines = [
    `1. Make an https URL forward to ${listen} (reverse proxy, or \`${serveCommand(s, true)}\` with NGROK_AUTHTOKEN).`,
    `2. Start the receiver: ${serveCommand(s, false)}`,
  ];
  if (mode === 'plugin') {
    lines.push(
      `3. In Sentry, ${org}/${project} → Settings → Legacy Integrations → WebHooks: enable it and add the callback URL`,
      `   ${pluginCallbackUrl(example, secret)}`,
      '   (keep the last path part private: it is the token that lets Sentry in).',
      '4. Create an issue alert rule: "A new issue is created" or "The issue changes state from resolved to unresolved" → "Send a notification via WebHooks".',
    );
  } else {
    lines.push(
      `3. In Sentry, ${org} → Settings → Developer Settings → Custom Integration → Internal Integration: webhook URL ${example}${WEBHOOK_PATH},`,
      '   "Alert Rule Action" on, permission Issue & Event: Read, webhooks: issue. Put its Client Secret in SENTRY_WEBHOOK_SECRET.',
      '4. Create an issue alert rule: "A new issue is created" or "The issue changes state from resolved to unresolved" → "Send a notification via sentry-tg".',
    );
  }
  lines.push(`Or run \`sentry-tg setup --public-url ${example}\` once the URL works: it does steps 3 and 4 for you.`);
  return lines;
}
