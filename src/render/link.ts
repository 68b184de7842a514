// Which URLs Telegram takes as a link. A URL button it refuses (400 BUTTON_URL_INVALID) fails
// the whole message, and an `<a href>` it refuses is dropped or fails the message too. Telegram
// (tdlib's LinkManager::check_link) wants http(s) with a host that has a dot or is an IPv6
// literal (IPv4 has dots), a port from 1 to 65535 and no user:password. Self-hosted Sentry
// often lives at `http://sentry:9000` or `http://localhost:9000`: those URLs are shown as
// copyable text instead. Every link and URL button sentry-tg builds goes through here.

// Telegram rejects messages whose raw text is over 32 KiB; a URL this long is not a real
// Sentry link, so it is neither linked nor shown.
export const MAX_URL_LENGTH = 2000;

function parse(url: string | undefined): URL | undefined {
  if (url === undefined || url.length > MAX_URL_LENGTH) return undefined;
  try {
    const parsed = new URL(url);
    const web = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    // A user:password in a link would be shown to everyone in the chat.
    return web && parsed.username === '' && parsed.password === '' ? parsed : undefined;
  } catch {
    return undefined; // not a URL: nothing to link or show
  }
}

function telegramTakes(url: URL): boolean {
  if (url.port === '0') return false;
  const host = url.hostname;
  return host.startsWith('[') || (host.includes('.') && host.replace(/\./g, '') !== '');
}

/** The URL, normalised, when Telegram accepts it in a URL button and an `<a href>`. */
export function linkUrl(url: string | undefined): string | undefined {
  const parsed = parse(url);
  return parsed !== undefined && telegramTakes(parsed) ? parsed.href : undefined;
}

/** The URL to show as text (for copying) because Telegram would refuse it as a link. */
export function textOnlyUrl(url: string | undefined): string | undefined {
  const parsed = parse(url);
  return parsed !== undefined && !telegramTakes(parsed) ? parsed.href : undefined;
}
