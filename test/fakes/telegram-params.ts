// Request parameters for the fake Bot API: reading them the way the Bot API does (JSON bodies,
// form bodies and query strings all arrive here, so every value may be a string), the API error
// type, and validation of reply markup.
import { isAcceptedHttpUrl } from './telegram-html.js';

export type Params = Record<string, unknown>;

export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** An answer `{ ok: false, error_code, description, parameters? }` with that HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
    this.name = 'ApiError';
  }
}

export function badRequest(what: string, parameters?: ResponseParameters): ApiError {
  return new ApiError(400, `Bad Request: ${what}`, parameters);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(`field "${name}" must be of type String`);
}

export function readInt(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim())) return Number(v.trim());
  throw badRequest(`field "${name}" must be of type Integer`);
}

export function readBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  throw badRequest(`field "${name}" must be of type Boolean`);
}

/** A JSON-serialized parameter: an object in a JSON body, a JSON string in a form or query. */
export function readJson(p: Params, name: string): unknown {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw badRequest(`can't parse ${name} JSON object`);
  }
}

export function readStringArray(p: Params, name: string): string[] | undefined {
  const v = readJson(p, name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw badRequest(`field "${name}" must be an Array of Strings`);
  }
  return v as string[];
}

/** Key order does not matter to Telegram; comparisons of stored JSON go through this. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) =>
    isObject(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  );
}

export interface InlineKeyboardButton {
  text: string;
  url?: string;
  callback_data?: string;
  /** Other button kinds (web_app, switch_inline_query, copy_text, …) are kept as sent. */
  [field: string]: unknown;
}

export interface ReplyMarkup {
  inline_keyboard?: InlineKeyboardButton[][];
  keyboard?: unknown;
  remove_keyboard?: boolean;
  force_reply?: boolean;
  [field: string]: unknown;
}

const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const;

const MAX_CALLBACK_DATA_BYTES = 64;

/**
 * Validates `reply_markup` (an object, or a JSON string in forms). Edits accept only inline
 * keyboards. Returns undefined when absent, which for an edit removes the keyboard.
 */
export function parseReplyMarkup(raw: unknown, inlineOnly: boolean): ReplyMarkup | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw badRequest("can't parse reply keyboard markup JSON object");
    }
  }
  if (!isObject(value)) throw badRequest("can't parse reply keyboard markup JSON object");
  if (value.inline_keyboard !== undefined) return { inline_keyboard: parseInlineKeyboard(value.inline_keyboard) };
  if (inlineOnly) throw badRequest('inline keyboard expected');
  if (value.keyboard !== undefined || value.remove_keyboard !== undefined || value.force_reply !== undefined) {
    return value;
  }
  throw badRequest("can't parse reply keyboard markup JSON object");
}

function parseInlineKeyboard(rows: unknown): InlineKeyboardButton[][] {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
  }
  return (rows as unknown[][]).map((row) => row.map(parseButton));
}

function parseButton(button: unknown): InlineKeyboardButton {
  if (!isObject(button)) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  if (typeof button.text !== 'string') {
    throw badRequest(`can't parse inline keyboard button: Field "text" must be of type String`);
  }
  const actions = BUTTON_ACTIONS.filter((field) => button[field] !== undefined && button[field] !== null);
  if (actions.length === 0) {
    throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  }
  if (actions.length > 1) {
    // Fake's choice: Telegram silently picks one field; two actions on a button is a sender bug.
    throw badRequest(`can't parse inline keyboard button: exactly one action field is allowed, got ${actions.join(', ')}`);
  }
  const action = actions[0]!;
  const value = button[action];
  if (action === 'url') {
    // Telegram's rule for URL buttons: http(s) it would link (dotted host or IP literal) or tg://.
    if (typeof value !== 'string' || !(/^tg:\/\/\S+$/i.test(value) || isAcceptedHttpUrl(value))) {
      throw badRequest('BUTTON_URL_INVALID');
    }
  }
  if (action === 'callback_data') {
    const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
    if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
  }
  return { text: button.text, [action]: value };
}
