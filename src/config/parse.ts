// The parsers behind the settings list (options.ts): each turns a raw string from .env, the
// environment or a flag into a value, or into one line that says what is wrong.

export const ok = <T>(value: T) => ({ value });
export const bad = (error: string) => ({ error });

export const TOKEN_SHAPE = /^\d{3,}:[A-Za-z0-9_-]{30,}$/;
export const CHAT_ID_SHAPE = /^(-?\d{1,16}|@[A-Za-z][A-Za-z0-9_]{3,})$/;

export function text(raw: string) {
  return ok(raw);
}

export function int(min: number, max: number) {
  return (raw: string) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max
      ? ok(n)
      : bad(`must be a whole number from ${min} to ${max}, got "${raw}"`);
  };
}

export function bool(raw: string) {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
  if (['0', 'false', 'no', 'off', ''].includes(v)) return ok(false);
  return bad(`must be true or false, got "${raw}"`);
}

export function httpUrl(raw: string) {
  try {
    const u = new URL(raw);
    if (u.protocol === 'http:' || u.protocol === 'https:') return ok(raw.replace(/\/+$/, ''));
  } catch {
    // fall through to the error below
  }
  return bad(`must be an http(s) URL, got "${raw}"`);
}

export function byteSize(raw: string) {
  const m = /^(\d+)\s*(b|kb|kib|mb|mib)?$/i.exec(raw.trim());
  if (!m) return bad(`must be a size such as 1mb or 512kb, got "${raw}"`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1;
  const n = Number(m[1]) * mult;
  return n >= 1024 ? ok(n) : bad('must be at least 1kb');
}

/** `host:port`, `[v6]:port`, or a bare port (on 127.0.0.1); empty: off. */
export function listenAddress(raw: string) {
  const v = raw.trim();
  if (v === '') return ok(undefined);
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([\w.-]+)):)?(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return bad(`must be host:port such as 127.0.0.1:9464, got "${raw}"`);
  return ok({ host: m[1] ?? m[2] ?? '127.0.0.1', port });
}

export function userIds(raw: string) {
  const parts = raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const badOnes = parts.filter((p) => !/^\d{1,16}$/.test(p));
  return badOnes.length
    ? bad(`must be Telegram user ids separated by commas, not "${badOnes.join(', ')}"`)
    : ok(parts.map(Number));
}
