// Where Sentry reaches the receiver: an ngrok tunnel (needs NGROK_AUTHTOKEN), the user's own
// https URL (a reverse proxy in front of HOST:PORT), or none (manual steps are printed).
import { OPTIONS } from '../../config/options.js';
import { UserError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import { checkPublicUrl } from './url-check.js';
import { tunnelError, type Tunnel } from '../../tunnel/ngrok.js';
import { publicKindFromSettings, reservePort, type PublicKind } from './preflight.js';
import { flagAndEnv, missingAnswer, type Session } from './session.js';

export type PublicChoice = { kind: 'tunnel'; authtoken: string } | { kind: 'url'; url: string } | { kind: 'none' };

/** The choice, and the port reserved for the receiver behind it (not in a dry run). */
export type PublicAnswer = PublicChoice & { port?: number };

export async function askPublicUrl(s: Session): Promise<PublicAnswer> {
  const { ctx } = s;
  let kind: PublicKind | undefined = publicKindFromSettings(s);
  if (kind === undefined) {
    if (!s.interactive) throw missingAnswer(s, `${flagAndEnv('publicUrl')} or --tunnel`, 'where Sentry reaches the receiver');
    kind = await ctx.prompts.select<PublicKind>({
      message: 'How does Sentry reach this receiver?',
      choices: [
        { name: s.t('setup.pub.tunnel'), value: 'tunnel', description: s.t('setup.pub.tunnelAbout') },
        { name: s.t('setup.pub.url'), value: 'url', description: s.t('setup.pub.urlAbout', { listen: `${s.settings.host}:${s.settings.port}` }) },
        { name: s.t('setup.pub.none'), value: 'none', description: s.t('setup.pub.noneAbout') },
      ],
    });
  }
  if (kind === 'none') return { kind };
  if (kind === 'url') {
    let url = s.settings.publicUrl;
    if (url) {
      const verdict = checkPublicUrl(url, s.settings.sentryUrl);
      if (!verdict.ok) {
        if (!s.interactive) throw new UserError(`PUBLIC_URL: ${verdict.reason}.`, 'Use an address Sentry can reach (a public https URL, or --tunnel).');
        ctx.out.warn(`${verdict.reason}.`);
        url = undefined;
      }
    }
    if (!url) {
      const raw = await ctx.prompts.input({
        message: 'Public base URL of the receiver (e.g. https://alerts.example.com)',
        validate: (v) => {
          const r = OPTIONS.publicUrl.parse(v.trim());
          if ('error' in r) return r.error;
          const verdict = checkPublicUrl(r.value, s.settings.sentryUrl);
          return verdict.ok ? true : verdict.reason;
        },
      });
      const parsed = OPTIONS.publicUrl.parse(raw.trim());
      url = 'value' in parsed ? parsed.value : raw.trim();
    }
    const verdict = checkPublicUrl(url, s.settings.sentryUrl);
    if (verdict.ok && verdict.warning) ctx.out.warn(verdict.warning);
    if (url.startsWith('http://') && !/^http:\/\/(127\.|localhost|\[::1\])/.test(url)) {
      ctx.out.warn('The public URL is plain http: alerts cross the internet unencrypted. Prefer https.');
    }
    return s.dryRun ? { kind, url } : { kind, url, port: await reservePort(s) };
  }
  let authtoken = s.settings.ngrokAuthtoken;
  if (!authtoken) {
    if (!s.interactive) throw missingAnswer(s, flagAndEnv('ngrokAuthtoken'), 'needed for --tunnel');
    ctx.out.info('Copy your authtoken from https://dashboard.ngrok.com/get-started/your-authtoken (free account).');
    authtoken = (await ctx.prompts.password({ message: 'ngrok authtoken', validate: (v) => (v.trim().length >= 8 ? true : 'looks too short') })).trim();
  }
  registerSecret(authtoken);
  return s.dryRun ? { kind, authtoken } : { kind, authtoken, port: await reservePort(s) };
}

/** Opens the tunnel to the receiver's port (before the receiver listens: ngrok connects per request). */
export async function openTunnel(s: Session, authtoken: string): Promise<Tunnel> {
  try {
    const tunnel = await s.ctx.openTunnel({ port: s.settings.port, host: s.settings.host, authtoken });
    s.ctx.out.ok(`ngrok tunnel: ${tunnel.url} → ${s.settings.host}:${s.settings.port}`);
    return tunnel;
  } catch (err) {
    throw tunnelError(err);
  }
}
