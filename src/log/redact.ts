// Secrets must never reach a log line, an error or the terminal. The bot token travels in
// Telegram URLs (`/bot<token>/method`), so anything that may contain a URL goes through here.

const BOT_TOKEN = /\b(bot)?\d{3,}:[A-Za-z0-9_-]{30,}/g;

const known = new Set<string>();

/** Registers secret values (tokens, webhook secret) so they are masked wherever they appear. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) known.add(value);
}

export function redact(text: string): string {
  let out = text.replace(BOT_TOKEN, (_m, bot: string | undefined) => `${bot ?? ''}<redacted>`);
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join('<redacted>');
  }
  return out;
}
