// Text helpers for what alerts show: shortening, wording of Sentry's snake_case values and
// minutes, and a short digest of free text for dedup keys. Pure.

/** Shortens to at most `max` characters (ending in "…"), never splitting a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

/** `archived_until_escalating` → `archived until escalating`. */
export function humanise(s: string): string {
  return s.replace(/_+/g, ' ').trim();
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `30` → `30 min`, `60` → `1 h`, `1440` → `1 d`. */
export function minutesText(minutes: number): string {
  if (minutes > 0 && minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes > 0 && minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

/** FNV-1a, 32 bit, hex: a short stable digest of free text for dedup keys (not for security). */
export function fnv1a(s: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    hash ^= s.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
