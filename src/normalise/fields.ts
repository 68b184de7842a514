// Small builders the resource normalisers share: a bounded dedup key and an optional field.
import type { Field, Phrase } from './alert.js';
import { clip } from './text.js';

// Lists inside a payload (Seer steps, code changes, pull requests) shown as fields.
export const MAX_LISTED = 5;
// Dedup keys are stored; each free part of one is kept short.
const MAX_KEY_PART_CHARS = 128;

export function dedupKey(parts: ReadonlyArray<string | number | undefined>): string {
  return parts.map((p) => clip(p === undefined ? '' : String(p), MAX_KEY_PART_CHARS)).join(':');
}

export function field(label: string, value: string | undefined, phrase?: Phrase): Field[] {
  if (value === undefined) return [];
  return phrase === undefined ? [{ label, value }] : [{ label, value, phrase }];
}
