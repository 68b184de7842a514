// Who may post to the receiver. Internal integrations sign the body (Sentry-Hook-Signature:
// hex HMAC-SHA256 of the exact bytes, keyed with the client secret). The legacy plugin cannot
// sign, so its callback URL carries a token derived from the same secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time flat.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(y, y), false);
}

export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  return equalHex(signBody(secret, body), header.trim().toLowerCase());
}

/**
 * The token for the plugin's callback URL. Derived rather than the secret itself, so a URL
 * that leaks through a proxy log does not give away the key that signs integration webhooks.
 */
export function urlToken(secret: string): string {
  return createHmac('sha256', secret).update('sentry-tg plugin url token v1').digest('base64url').slice(0, 32);
}

export function verifyUrlToken(secret: string, given: string | undefined): boolean {
  if (!given) return false;
  return equalHex(urlToken(secret), given);
}

export const WEBHOOK_PATH = '/api/sentry-webhook';

/** The callback URL to register in Sentry for the legacy plugin. */
export function pluginCallbackUrl(publicUrl: string, secret: string | undefined): string {
  const tail = `${WEBHOOK_PATH}${secret ? `/${urlToken(secret)}` : ''}`;
  // A query string in the public URL stays at the end (…/hook/token?x=1, not …?x=1/hook).
  const query = publicUrl.indexOf('?');
  if (query < 0) return `${publicUrl.replace(/\/+$/, '')}${tail}`;
  return `${publicUrl.slice(0, query).replace(/\/+$/, '')}${tail}${publicUrl.slice(query)}`;
}
