// The public URL: joined with paths correctly (a query string stays at the end), and checked
// for what Sentry can reach. sentry.io refuses loopback and private addresses outright ("Not a
// valid URL."), so setup refuses them first; a self-hosted Sentry may sit on the same network,
// so there they are only a warning. Pure.
import { isIP } from 'node:net';

/** `base` + `path`, keeping base's own path and putting its query string after the new path. */
export function joinUrl(base: string, path: string): string {
  // Without a query or fragment plain text is exact (no normalisation of what the user typed).
  if (!/[?#]/.test(base)) return `${base.replace(/\/+$/, '')}${path}`;
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  return u.toString();
}

/** Loopback, private, link-local or local-only names: reachable from this network at most. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')) return true;
  if (isIP(h) === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || a === 0 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  return false;
}

export function isSentryCloud(sentryUrl: string): boolean {
  const host = new URL(sentryUrl).hostname.toLowerCase();
  return host === 'sentry.io' || host.endsWith('.sentry.io');
}

export type UrlVerdict = { ok: true; warning?: string } | { ok: false; reason: string };

export function checkPublicUrl(publicUrl: string, sentryUrl: string): UrlVerdict {
  let u: URL;
  try {
    u = new URL(publicUrl);
  } catch {
    return { ok: false, reason: `"${publicUrl}" is not a URL` };
  }
  if (u.hash) return { ok: false, reason: 'a URL with a #fragment cannot be called: remove the part after #' };
  if (!isPrivateHost(u.hostname)) return { ok: true };
  if (isSentryCloud(sentryUrl)) {
    return {
      ok: false,
      reason: `${u.hostname} is a loopback or private address: ${new URL(sentryUrl).host} can never reach it (Sentry answers "Not a valid URL.")`,
    };
  }
  return { ok: true, warning: `${u.hostname} is a loopback or private address: only a Sentry on the same machine or network can reach it.` };
}
