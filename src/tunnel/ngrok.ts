// A public URL for the receiver through ngrok's own library (no binary download). The opener
// is injectable: tests hand in a fake, production loads @ngrok/ngrok on first use.
import { UserError } from '../errors.js';

export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

export type TunnelOpener = (opts: { port: number; host: string; authtoken: string }) => Promise<Tunnel>;

export const openNgrokTunnel: TunnelOpener = async ({ port, host, authtoken }) => {
  const ngrok = await import('@ngrok/ngrok');
  const listener = await ngrok.forward({ addr: `${host}:${port}`, authtoken });
  const url = listener.url();
  if (!url) {
    await listener.close();
    throw new Error('ngrok opened a tunnel without a URL');
  }
  return { url, close: () => listener.close() };
};

// ngrok's error codes (https://ngrok.com/docs/errors/) that users actually meet.
const HINTS: Record<string, string> = {
  ERR_NGROK_105: 'The ngrok authtoken is invalid: copy it again from dashboard.ngrok.com → Your Authtoken.',
  ERR_NGROK_106: 'The ngrok authtoken is invalid: copy it again from dashboard.ngrok.com → Your Authtoken.',
  ERR_NGROK_107: 'The ngrok authtoken was revoked: create a new one in the ngrok dashboard.',
  ERR_NGROK_108: 'Your ngrok account allows only one agent session: stop the other ngrok (or use --public-url).',
  ERR_NGROK_120: 'This ngrok agent version is too old for your account: update sentry-tg.',
  ERR_NGROK_121: 'This ngrok agent version is too old for your account: update sentry-tg.',
  ERR_NGROK_302: 'The ngrok authtoken is not valid: check NGROK_AUTHTOKEN.',
  ERR_NGROK_4018: 'ngrok needs an account: sign up at ngrok.com and set NGROK_AUTHTOKEN.',
};

/** Turns whatever the tunnel library threw into one clear message with what to do next. */
export function tunnelError(err: unknown): UserError {
  const e = err as { errorCode?: string; code?: string; message?: string };
  const text = String(e?.message ?? err);
  const code = e?.errorCode ?? e?.code ?? /ERR_NGROK_\d+/.exec(text)?.[0];
  const hint =
    (code && HINTS[code]) ??
    (/timed out|dns|connect|network|resolve/i.test(text)
      ? 'Could not reach ngrok: check the network, or pass --public-url with your own https address.'
      : 'Pass --public-url with your own https address instead of a tunnel.');
  return new UserError(`Could not open the ngrok tunnel${code ? ` (${code})` : ''}.`, hint);
}
