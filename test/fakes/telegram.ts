/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 (random port) that answers the way
 * https://api.telegram.org does, errors included, so the real client code paths run in tests.
 *
 *   const tg = await startFakeTelegram();            // options: FakeTelegramOptions
 *   tg.addChat({ id: -1001234567890, type: 'supergroup', isForum: true, topics: [7] });
 *   // point the code under test at apiRoot = tg.url, token = tg.token
 *   const msg = await tg.waitFor((t) => t.messagesIn(-1001234567890)[0]);
 *   await tg.close();
 *
 * Protocol: `GET|POST /bot<token>/<method>` (method names case-insensitive), parameters from the
 * query string and a JSON or x-www-form-urlencoded body. Every answer is `{ok:true,result}` or
 * `{ok:false,error_code,description,parameters?}` with the same HTTP status. Wrong token → 401,
 * unknown method → 404.
 *
 * Methods: getMe, sendMessage, sendChatAction, editMessageText, editMessageReplyMarkup, deleteMessage,
 * answerCallbackQuery, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, getChat,
 * getChatMember, setMyCommands, getMyCommands, deleteMyCommands.
 *
 * Chats: none exist until a test adds them (`addChat`, or `pushMessage` into a new positive id,
 * which is a user pressing /start). Per chat: type, forum topics, the bot's status and rights,
 * and an upgrade to a supergroup (`migratedTo`). Errors, in the order they are checked:
 *   chat not found (400) · group chat was upgraded … + migrate_to_chat_id (400) ·
 *   bot was blocked by the user / bot can't initiate conversation with a user (403, private
 *   kicked / left) · bot was kicked from the <group|supergroup|channel> chat (403) ·
 *   bot is not a member of the … chat (403) · not enough rights to send text messages to the
 *   chat (400) · need administrator rights in the channel chat (400) · message thread not found
 *   (400) · TOPIC_CLOSED (400, a topic in `closedTopics`; admins' right to post there anyway is
 *   not modelled) · message to be replied not found (400) · text and markup errors (400; a URL
 *   button must be tg:// or http(s) with a dotted host or IP literal, else BUTTON_URL_INVALID) · 429.
 *
 * Text (sendMessage, editMessageText): parse_mode HTML goes through parseTelegramHtml (strict
 * by default, see telegram-html.ts); no parse_mode takes the text literally (with optional
 * `entities`); Markdown modes are refused: this project only sends HTML. 1..4096 UTF-16 units
 * after parsing, at most 32768 bytes raw, at most 100 entities. The last two are this fake's
 * choices: Telegram's real behaviour past them is undocumented (it may drop entities silently).
 * Whitespace-only text is empty; otherwise length is counted without Telegram's trimming.
 *
 * Rate limits (on by default, `limits: false` or `setLimits(false)` to disable): per chat a token
 * bucket (1/s, burst 3), per group/supergroup/channel 20 per sliding minute, 30/s overall.
 * sendMessage, editMessageText and editMessageReplyMarkup count. Refusals are
 * `429 Too Many Requests: retry after N` with parameters.retry_after = N (whole seconds until the
 * window frees, ≥ 1). `setRetryAfter(chatId, s)` forces 429s for one chat. `rateLimited` counts
 * every 429 answered, injected ones included.
 *
 * Faults: `failNext(method | '*', fault, times = 1)` with fault an API error
 * `{status, description, parameters?}`, 'reset' (socket destroyed, no answer), 'timeout' (no
 * answer until close) or 'html500' (502 with an nginx HTML page); 'lost-answer' and
 * 'lost-answer-reset': the request is processed (a message is posted) but the answer is lost —
 * held until close, or the socket destroyed — and the call is recorded with `fault:
 * 'lost-answer'`, `status: null` and the answer that was lost. `setDown(true)` resets every
 * request. `revokeToken()` makes every request 401. Faults apply before the token check.
 *
 * Updates: `pushUpdate` (any update body; update_id assigned), `pushMessage`, `pushCallbackQuery`.
 * getUpdates follows Telegram: `offset` confirms (drops) earlier updates, a negative offset keeps
 * the last -offset, `limit` 1..100, `timeout` long-polls, `allowed_updates` persists across calls
 * (default: everything except chat_member, message_reaction, message_reaction_count). A second
 * getUpdates while one is pending answers the *earlier* one with 409 "terminated by other
 * getUpdates request" (as the Bot API server does); getUpdates with a webhook set is 409.
 * setWebhook validates like Telegram (https, ports 80/88/443/8443) and only queues updates,
 * unless `webhookDelivery: true`, which accepts any http(s) URL and POSTs updates to it with
 * X-Telegram-Bot-Api-Secret-Token, retrying every 500 ms until a 2xx.
 *
 * Callback queries can be answered once, within `callbackQueryTtlMs` (default 15 s) of the push;
 * otherwise 400 "query is too old and response timeout expired or query ID is invalid".
 *
 * Inspection: `messages` (live bot messages), `messagesIn(chatId, threadId?)`, `calls` (every
 * request, faults included), `callsTo(method)`, `callbackAnswers`, `webhook`, `pendingUpdates`,
 * `rateLimited`, and `waitFor(predicate, timeoutMs)` which resolves with the predicate's first
 * truthy result. `close()` also destroys held sockets and pending long polls.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseTelegramHtml, utf16Length } from './telegram-html.js';
import type { Entity } from './telegram-html.js';
import { DEFAULT_LIMITS, RateLimiter } from './telegram-limits.js';
import type { RateLimits } from './telegram-limits.js';
import {
  ApiError,
  badRequest,
  canonicalJson,
  isObject,
  parseReplyMarkup,
  readBool,
  readInt,
  readJson,
  readString,
  readStringArray,
} from './telegram-params.js';
import type { Params, ReplyMarkup, ResponseParameters } from './telegram-params.js';

export { parseTelegramHtml, utf16Length } from './telegram-html.js';
export type { Entity, EntityType, ParseResult } from './telegram-html.js';
export type { RateLimits } from './telegram-limits.js';
export type { InlineKeyboardButton, Params, ReplyMarkup, ResponseParameters } from './telegram-params.js';

/** Obviously fake, but shaped like a real token: `<digits>:<35 chars of A-Za-z0-9_->`. */
export const FAKE_TOKEN = '123456789:FAKE-test-token-not-a-real-bot-secret';

/** A user id for updates from a person in a group when the test does not pick one. */
export const DEFAULT_USER_ID = 424242;

export const MAX_TEXT_UTF16 = 4096;
export const MAX_RAW_TEXT_BYTES = 32768;
export const MAX_ENTITIES = 100;
export const MAX_CALLBACK_ANSWER_CHARS = 200;

const WEBHOOK_RETRY_MS = 500;
const CHAT_ACTIONS = ['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note'];
const WEBHOOK_TIMEOUT_MS = 5000;
const DEFAULT_WAIT_MS = 5000;

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';
export type BotStatus = 'member' | 'administrator' | 'kicked' | 'left' | 'restricted';
export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface ChatSpec {
  id: number;
  type: ChatType;
  /** Groups and channels; default "Test <type> <id>". */
  title?: string;
  /** Without the @; lets chat_id be "@username". */
  username?: string;
  /** Private chats; default "Tester". */
  firstName?: string;
  isForum?: boolean;
  /** Existing forum topics (message_thread_id values). The General topic is "no thread id". */
  topics?: number[];
  /** Forum topics that are closed (a subset of topics): sending into one is 400 TOPIC_CLOSED. */
  closedTopics?: number[];
  /** Default 'administrator' in channels, 'member' elsewhere. */
  botStatus?: BotStatus;
  /** Channels: can_post_messages; groups: can the bot send at all. Default true, false if restricted. */
  canSendMessages?: boolean;
  /** This basic group was upgraded: sends fail with migrate_to_chat_id = migratedTo. */
  migratedTo?: number;
  /** Other users' statuses, for getChatMember. */
  members?: Record<number, MemberStatus>;
}

/** A registered chat with its defaults filled in. */
export interface FakeChat extends ChatSpec {
  botStatus: BotStatus;
  canSendMessages: boolean;
  topics: number[];
  closedTopics: number[];
}

export interface FakeMessage {
  chatId: number;
  messageId: number;
  threadId?: number;
  /** Plain text after parsing. */
  text: string;
  /** The raw `text` parameter as sent. */
  html: string;
  parseMode?: 'HTML';
  entities: Entity[];
  replyMarkup?: ReplyMarkup;
  replyTo?: number;
  /** How many successful edits (text or markup). */
  edits: number;
  /** Unix seconds. */
  date: number;
  editDate?: number;
  disableNotification: boolean;
  linkPreviewOptions?: unknown;
}

export type ApiResponse =
  | { ok: true; result: unknown; description?: string }
  | { ok: false; error_code: number; description: string; parameters?: ResponseParameters };

export type Fault =
  | { status: number; description: string; parameters?: ResponseParameters }
  | 'reset'
  | 'timeout'
  | 'html500'
  | 'lost-answer'
  | 'lost-answer-reset';

export interface CallRecord {
  /** As the client spelled it, e.g. "sendMessage". */
  method: string;
  params: Params;
  /** HTTP status; null when no answer was sent. */
  status: number | null;
  /** The JSON envelope; null when there was none (reset, timeout, html500, aborted); the lost one for lost-answer. */
  response: ApiResponse | null;
  /** Set when the answer came from fault injection or setDown. */
  fault?: 'error' | 'reset' | 'timeout' | 'html500' | 'down' | 'lost-answer';
  /** The client went away before the answer (an aborted long poll). */
  clientAborted?: true;
  atMs: number;
}

export interface CallbackAnswer {
  callbackQueryId: string;
  text?: string;
  showAlert: boolean;
  url?: string;
}

export interface WebhookState {
  url: string;
  secretToken?: string;
  maxConnections: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface TgChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  is_forum?: boolean;
}

/** Update bodies are free-form (tests may push anything); update_id is assigned by the fake. */
export interface Update {
  update_id: number;
  [type: string]: unknown;
}

export interface BotCommand {
  command: string;
  description: string;
}

export interface FakeTelegramOptions {
  /** Default FAKE_TOKEN. Must look like `<digits>:<secret>`; the digits are the bot id. */
  token?: string;
  /** Default 'sentry_tg_test_bot'. */
  botUsername?: string;
  /** Default 'Sentry TG Test'. */
  botFirstName?: string;
  /** Registered at start; same as calling addChat for each. */
  chats?: ChatSpec[];
  /** Default DEFAULT_LIMITS; missing fields take the defaults; false disables rate limiting. */
  limits?: Partial<RateLimits> | false;
  /** Strict HTML parsing (see telegram-html.ts). Default true. */
  strictHtml?: boolean;
  /** Accept http(s) webhooks on any port and POST updates to them. Default false. */
  webhookDelivery?: boolean;
  /** How long a pushed callback query can be answered. Default 15000. */
  callbackQueryTtlMs?: number;
  /** Clock (ms) for rate limits, message dates and callback expiry. Default Date.now. */
  now?: () => number;
}

export interface FakeTelegram {
  /** API root, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  readonly url: string;
  readonly token: string;
  readonly botId: number;
  readonly botUsername: string;
  /** Live bot messages (deleted ones removed), in send order. */
  readonly messages: readonly FakeMessage[];
  readonly calls: readonly CallRecord[];
  /** 429 answers so far. */
  readonly rateLimited: number;
  readonly callbackAnswers: readonly CallbackAnswer[];
  readonly webhook: Readonly<WebhookState> | undefined;
  /** Updates not yet confirmed (getUpdates) or delivered (webhook). */
  readonly pendingUpdates: readonly Update[];

  addChat(spec: ChatSpec): void;
  /** Change a registered chat, e.g. kick the bot mid-test. */
  updateChat(id: number, patch: Partial<Omit<ChatSpec, 'id'>>): void;
  chat(id: number): Readonly<FakeChat> | undefined;
  /** Upgrade basic group `groupId` to supergroup `supergroupId` (registered if new). */
  migrateGroup(groupId: number, supergroupId: number): void;
  messagesIn(chatId: number, threadId?: number): FakeMessage[];
  callsTo(method: string): CallRecord[];

  pushUpdate(body: Record<string, unknown>): Update;
  /** A user (or, in channels, the channel) posts `text`; `/cmd` gets a bot_command entity. */
  pushMessage(chatId: number, text: string, opts?: { from?: Partial<TgUser>; threadId?: number }): Update;
  /** A user presses an inline button on bot message `messageId`. */
  pushCallbackQuery(opts: { chatId: number; messageId: number; data: string; from?: Partial<TgUser> }): Update;

  failNext(method: string, fault: Fault, times?: number): void;
  clearFaults(): void;
  setDown(down: boolean): void;
  setRetryAfter(chatId: number, seconds: number): void;
  setLimits(limits: Partial<RateLimits> | false): void;
  revokeToken(): void;

  waitFor<T>(predicate: (tg: FakeTelegram) => T, timeoutMs?: number): Promise<Truthy<T>>;
  close(): Promise<void>;
}

export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = new FakeTelegramServer(opts);
  await fake.listen();
  return fake;
}

interface ChatState extends FakeChat {
  nextMessageId: number;
  /** Messages from people (pushMessage): valid reply and thread targets. */
  userMessageIds: Set<number>;
}

interface Success {
  result: unknown;
  description?: string;
}

interface RequestContext {
  /** Called if the client goes away before the answer. */
  onAbort(cb: () => void): void;
}

type Handler = (p: Params, ctx: RequestContext) => Success | Promise<Success>;

/** Thrown by a handler to end the request without answering (server closing). */
class DropConnection extends Error {}

interface PendingPoll {
  limit: number;
  settle(outcome: Success | Error): void;
}

interface PendingFault {
  method: string;
  fault: Fault;
  remaining: number;
}

const DEFAULT_EXCLUDED_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n';

class FakeTelegramServer implements FakeTelegram {
  readonly token: string;
  readonly botId: number;
  readonly botUsername: string;
  private readonly botFirstName: string;
  private readonly strictHtml: boolean;
  private readonly webhookDelivery: boolean;
  private readonly callbackQueryTtlMs: number;
  private readonly now: () => number;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly events = new EventEmitter();
  private readonly limiter: RateLimiter;
  private readonly handlers: Map<string, { name: string; run: Handler }>;

  private port = 0;
  private closed = false;
  private down = false;
  private revoked = false;
  private readonly chats = new Map<number, ChatState>();
  private readonly messageMap = new Map<string, FakeMessage>();
  private readonly callLog: CallRecord[] = [];
  private rateLimitedCount = 0;
  private faults: PendingFault[] = [];
  private readonly heldResponses = new Set<ServerResponse>();
  private updates: Update[] = [];
  private nextUpdateId = 100_000_001;
  private allowedUpdates: string[] | undefined;
  private poll: PendingPoll | undefined;
  private webhookState: WebhookState | undefined;
  private webhookRetry: NodeJS.Timeout | undefined;
  private delivering = false;
  private readonly callbackQueries = new Map<string, number>();
  private nextCallbackId = 1;
  private readonly answers: CallbackAnswer[] = [];
  private readonly commands = new Map<string, BotCommand[]>();

  constructor(opts: FakeTelegramOptions) {
    this.token = opts.token ?? FAKE_TOKEN;
    const idMatch = /^(\d+):[A-Za-z0-9_-]{30,}$/.exec(this.token);
    if (!idMatch) throw new Error('startFakeTelegram: token must look like <digits>:<30+ chars of A-Za-z0-9_->');
    this.botId = Number(idMatch[1]);
    this.botUsername = opts.botUsername ?? 'sentry_tg_test_bot';
    this.botFirstName = opts.botFirstName ?? 'Sentry TG Test';
    this.strictHtml = opts.strictHtml ?? true;
    this.webhookDelivery = opts.webhookDelivery ?? false;
    this.callbackQueryTtlMs = opts.callbackQueryTtlMs ?? 15_000;
    this.now = opts.now ?? Date.now;
    this.limiter = new RateLimiter(resolveLimits(opts.limits));
    this.events.setMaxListeners(0);
    for (const spec of opts.chats ?? []) this.addChat(spec);

    const handlers: Record<string, Handler> = {
      getMe: () => ({ result: this.botUser(true) }),
      sendMessage: (p) => this.sendMessage(p),
      sendChatAction: (p) => this.sendChatAction(p),
      editMessageText: (p) => this.editMessageText(p),
      editMessageReplyMarkup: (p) => this.editMessageReplyMarkup(p),
      deleteMessage: (p) => this.deleteMessage(p),
      answerCallbackQuery: (p) => this.answerCallbackQuery(p),
      getUpdates: (p, ctx) => this.getUpdates(p, ctx),
      setWebhook: (p) => this.setWebhook(p),
      deleteWebhook: (p) => this.deleteWebhook(p),
      getWebhookInfo: () => this.getWebhookInfo(),
      getChat: (p) => ({ result: this.getChat(p) }),
      getChatMember: (p) => this.getChatMember(p),
      setMyCommands: (p) => this.setMyCommands(p),
      getMyCommands: (p) => ({ result: this.commands.get(commandsKey(p)) ?? [] }),
      deleteMyCommands: (p) => {
        this.commands.delete(commandsKey(p));
        return { result: true };
      },
    };
    this.handlers = new Map(Object.entries(handlers).map(([name, run]) => [name.toLowerCase(), { name, run }]));

    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // A bug in the fake itself: answer loudly rather than hang the test.
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake telegram bug: ${err instanceof Error ? err.stack : String(err)}`);
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  // ---- inspection -------------------------------------------------------------------------

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get messages(): readonly FakeMessage[] {
    return [...this.messageMap.values()];
  }
  get calls(): readonly CallRecord[] {
    return this.callLog;
  }
  get rateLimited(): number {
    return this.rateLimitedCount;
  }
  get callbackAnswers(): readonly CallbackAnswer[] {
    return this.answers;
  }
  get webhook(): Readonly<WebhookState> | undefined {
    return this.webhookState;
  }
  get pendingUpdates(): readonly Update[] {
    return this.updates;
  }

  messagesIn(chatId: number, threadId?: number): FakeMessage[] {
    return this.messages.filter((m) => m.chatId === chatId && (threadId === undefined || m.threadId === threadId));
  }

  callsTo(method: string): CallRecord[] {
    const wanted = method.toLowerCase();
    return this.callLog.filter((c) => c.method.toLowerCase() === wanted);
  }

  chat(id: number): Readonly<FakeChat> | undefined {
    const state = this.chats.get(id);
    if (!state) return undefined;
    const { nextMessageId: _next, userMessageIds: _users, ...chat } = state;
    return chat;
  }

  waitFor<T>(predicate: (tg: FakeTelegram) => T, timeoutMs = DEFAULT_WAIT_MS): Promise<Truthy<T>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let value: T;
        try {
          value = predicate(this);
        } catch (err) {
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (value) {
          finish();
          resolve(value as Truthy<T>);
        }
      };
      // Events catch changes at once; the interval catches predicates over time or outside state.
      const interval = setInterval(check, 25);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`fake telegram waitFor: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearInterval(interval);
        clearTimeout(timer);
        this.events.off('change', check);
      };
      this.events.on('change', check);
      check();
    });
  }

  // ---- test controls ----------------------------------------------------------------------

  addChat(spec: ChatSpec): void {
    const isChannel = spec.type === 'channel';
    const botStatus = spec.botStatus ?? (isChannel ? 'administrator' : 'member');
    this.chats.set(spec.id, {
      ...spec,
      botStatus,
      canSendMessages: spec.canSendMessages ?? botStatus !== 'restricted',
      topics: [...(spec.topics ?? [])],
      closedTopics: [...(spec.closedTopics ?? [])],
      nextMessageId: 1,
      userMessageIds: new Set(),
    });
    this.changed();
  }

  updateChat(id: number, patch: Partial<Omit<ChatSpec, 'id'>>): void {
    const chat = this.chats.get(id);
    if (!chat) throw new Error(`fake telegram: updateChat(${id}): no such chat`);
    Object.assign(chat, patch);
    if (patch.topics) chat.topics = [...patch.topics];
    if (patch.closedTopics) chat.closedTopics = [...patch.closedTopics];
    if (patch.botStatus !== undefined && patch.canSendMessages === undefined) {
      chat.canSendMessages = patch.botStatus !== 'restricted';
    }
    this.changed();
  }

  migrateGroup(groupId: number, supergroupId: number): void {
    const group = this.chats.get(groupId);
    if (!group || group.type !== 'group') throw new Error(`fake telegram: migrateGroup: ${groupId} is not a basic group`);
    group.migratedTo = supergroupId;
    if (!this.chats.has(supergroupId)) {
      const spec: ChatSpec = { id: supergroupId, type: 'supergroup', botStatus: group.botStatus };
      if (group.title !== undefined) spec.title = group.title;
      this.addChat(spec);
    }
    this.changed();
  }

  pushUpdate(body: Record<string, unknown>): Update {
    const update: Update = { ...body, update_id: this.nextUpdateId++ };
    const query = update.callback_query;
    if (isObject(query) && typeof query.id === 'string') {
      this.callbackQueries.set(query.id, this.now() + this.callbackQueryTtlMs);
    }
    this.updates.push(update);
    this.changed();
    this.wakePoll();
    void this.deliverWebhook();
    return update;
  }

  pushMessage(chatId: number, text: string, opts: { from?: Partial<TgUser>; threadId?: number } = {}): Update {
    let chat = this.chats.get(chatId);
    if (!chat && chatId > 0) {
      this.addChat({ id: chatId, type: 'private' });
      chat = this.chats.get(chatId);
    }
    if (!chat) throw new Error(`fake telegram: pushMessage(${chatId}): add the chat first`);
    const messageId = chat.nextMessageId++;
    chat.userMessageIds.add(messageId);
    const message: Record<string, unknown> = {
      message_id: messageId,
      date: this.unixNow(),
      chat: this.chatObject(chat),
      text,
    };
    if (chat.type === 'channel') {
      message.sender_chat = this.chatObject(chat);
    } else {
      message.from = this.userObject(chat, opts.from);
    }
    if (opts.threadId !== undefined) {
      message.message_thread_id = opts.threadId;
      if (chat.isForum) message.is_topic_message = true;
    }
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    if (command) message.entities = [{ type: 'bot_command', offset: 0, length: command[0].length }];
    return this.pushUpdate(chat.type === 'channel' ? { channel_post: message } : { message });
  }

  pushCallbackQuery(opts: { chatId: number; messageId: number; data: string; from?: Partial<TgUser> }): Update {
    const chat = this.chats.get(opts.chatId);
    if (!chat) throw new Error(`fake telegram: pushCallbackQuery: no chat ${opts.chatId}`);
    const stored = this.messageMap.get(messageKey(opts.chatId, opts.messageId));
    const message = stored
      ? this.messageObject(stored, chat)
      : { message_id: opts.messageId, date: this.unixNow(), chat: this.chatObject(chat) };
    return this.pushUpdate({
      callback_query: {
        id: String(4_000_000_000_000_000 + this.nextCallbackId++),
        from: this.userObject(chat, opts.from),
        message,
        chat_instance: String(-opts.chatId),
        data: opts.data,
      },
    });
  }

  failNext(method: string, fault: Fault, times = 1): void {
    this.faults.push({ method: method === '*' ? '*' : method.toLowerCase(), fault, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  setRetryAfter(chatId: number, seconds: number): void {
    this.limiter.force(chatId, seconds, this.now());
  }

  setLimits(limits: Partial<RateLimits> | false): void {
    this.limiter.setLimits(resolveLimits(limits));
  }

  revokeToken(): void {
    this.revoked = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.webhookRetry);
    this.poll?.settle(new DropConnection());
    this.poll = undefined;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const res of this.heldResponses) res.socket?.destroy();
    this.heldResponses.clear();
    for (const socket of this.sockets) socket.destroy();
    await closing;
    this.events.removeAllListeners();
  }

  // ---- HTTP -------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atMs = this.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = /^\/bot([^/]*)\/([^/]+)\/?$/.exec(url.pathname);
    const handler = route ? this.handlers.get(route[2]!.toLowerCase()) : undefined;
    const method = handler?.name ?? route?.[2] ?? url.pathname;

    let params: Params;
    try {
      params = await readParams(req, url);
    } catch (err) {
      const error = err instanceof ApiError ? err : badRequest("can't parse request body");
      this.answer(res, { method, params: {}, atMs }, error.status, errorBody(error));
      return;
    }
    const call = { method, params, atMs };

    if (this.down) {
      this.record({ ...call, status: null, response: null, fault: 'down' });
      resetSocket(res);
      return;
    }
    const fault = this.takeFault(method);
    const loseAnswer = fault === 'lost-answer' || fault === 'lost-answer-reset' ? fault : undefined;
    if (fault !== undefined && fault !== 'lost-answer' && fault !== 'lost-answer-reset') {
      this.injectFault(res, call, fault);
      return;
    }
    if (!route || route[1] !== this.token || this.revoked) {
      const status = route ? 401 : 404;
      const error = new ApiError(status, status === 401 ? 'Unauthorized' : 'Not Found');
      this.answer(res, call, status, errorBody(error));
      return;
    }
    if (!handler) {
      this.answer(res, call, 404, errorBody(new ApiError(404, 'Not Found')));
      return;
    }
    if (loseAnswer) {
      // Processed as usual; only the answer never reaches the client.
      const result = await Promise.resolve(handler.run(params, { onAbort: () => undefined })).then(
        (success): ApiResponse => ({ ok: true, result: success.result }),
        (err: unknown): ApiResponse => (err instanceof ApiError ? errorBody(err) : { ok: false, error_code: 500, description: String(err) }),
      );
      this.record({ ...call, status: null, response: result, fault: 'lost-answer' });
      if (loseAnswer === 'lost-answer-reset') return resetSocket(res);
      this.heldResponses.add(res);
      res.on('close', () => this.heldResponses.delete(res));
      return;
    }

    const ctx: RequestContext = {
      onAbort: (cb) =>
        res.on('close', () => {
          if (!res.writableFinished) cb();
        }),
    };
    try {
      const success = await handler.run(params, ctx);
      const body: ApiResponse = { ok: true, result: success.result };
      if (success.description !== undefined) body.description = success.description;
      this.answer(res, call, 200, body);
    } catch (err) {
      if (err instanceof ApiError) {
        this.answer(res, call, err.status, errorBody(err));
      } else if (err instanceof DropConnection) {
        this.record({ ...call, status: null, response: null, clientAborted: true });
        res.socket?.destroy();
      } else {
        throw err;
      }
    }
  }

  private answer(res: ServerResponse, call: Omit<CallRecord, 'status' | 'response'>, status: number, body: ApiResponse): void {
    if (res.destroyed || res.writableEnded) {
      this.record({ ...call, status: null, response: null, clientAborted: true });
      return;
    }
    if (status === 429) this.rateLimitedCount++;
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
    this.record({ ...call, status, response: body });
  }

  private record(call: CallRecord): void {
    this.callLog.push(call);
    this.changed();
  }

  private takeFault(method: string): Fault | undefined {
    const lower = method.toLowerCase();
    const pending = this.faults.find((f) => f.method === '*' || f.method === lower);
    if (!pending) return undefined;
    pending.remaining--;
    if (pending.remaining <= 0) this.faults = this.faults.filter((f) => f !== pending);
    return pending.fault;
  }

  private injectFault(res: ServerResponse, call: Omit<CallRecord, 'status' | 'response'>, fault: Exclude<Fault, 'lost-answer' | 'lost-answer-reset'>): void {
    if (fault === 'reset') {
      this.record({ ...call, status: null, response: null, fault: 'reset' });
      resetSocket(res);
    } else if (fault === 'timeout') {
      this.record({ ...call, status: null, response: null, fault: 'timeout' });
      this.heldResponses.add(res);
      res.on('close', () => this.heldResponses.delete(res));
    } else if (fault === 'html500') {
      this.record({ ...call, status: 502, response: null, fault: 'html500' });
      res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(NGINX_502) });
      res.end(NGINX_502);
    } else {
      if (fault.status === 429) this.rateLimitedCount++;
      const body: ApiResponse = { ok: false, error_code: fault.status, description: fault.description };
      if (fault.parameters) body.parameters = fault.parameters;
      const json = JSON.stringify(body);
      res.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
      this.record({ ...call, status: fault.status, response: body, fault: 'error' });
    }
  }

  private changed(): void {
    this.events.emit('change');
  }

  // ---- chats and access -------------------------------------------------------------------

  private resolveChat(p: Params): ChatState {
    const raw = readString(p, 'chat_id');
    if (raw === undefined || raw.trim() === '') throw badRequest('chat_id is empty');
    let chat: ChatState | undefined;
    if (/^-?\d+$/.test(raw.trim())) {
      chat = this.chats.get(Number(raw.trim()));
    } else if (raw.startsWith('@')) {
      const name = raw.slice(1).toLowerCase();
      chat = [...this.chats.values()].find((c) => c.username?.toLowerCase() === name);
    }
    if (!chat) throw badRequest('chat not found');
    if (chat.migratedTo !== undefined) {
      throw badRequest('group chat was upgraded to a supergroup chat', { migrate_to_chat_id: chat.migratedTo });
    }
    return chat;
  }

  private checkAccess(chat: ChatState, action: 'send' | 'edit'): void {
    if (chat.type === 'private') {
      if (chat.botStatus === 'kicked') throw new ApiError(403, 'Forbidden: bot was blocked by the user');
      if (chat.botStatus === 'left') throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user");
      return;
    }
    if (chat.botStatus === 'kicked') throw new ApiError(403, `Forbidden: bot was kicked from the ${chat.type} chat`);
    if (chat.botStatus === 'left') throw new ApiError(403, `Forbidden: bot is not a member of the ${chat.type} chat`);
    if (chat.type === 'channel') {
      if (chat.botStatus !== 'administrator' || !chat.canSendMessages) {
        throw badRequest('need administrator rights in the channel chat');
      }
      return;
    }
    if (action === 'send' && !chat.canSendMessages) {
      throw badRequest('not enough rights to send text messages to the chat');
    }
  }

  private messageExists(chat: ChatState, messageId: number): boolean {
    return chat.userMessageIds.has(messageId) || this.messageMap.has(messageKey(chat.id, messageId));
  }

  private checkThread(chat: ChatState, threadId: number | undefined): void {
    if (threadId === undefined) return;
    const exists = chat.isForum ? chat.topics.includes(threadId) : this.messageExists(chat, threadId);
    if (!exists) throw badRequest('message thread not found');
    if (chat.isForum && chat.closedTopics.includes(threadId)) throw badRequest('TOPIC_CLOSED');
  }

  private resolveReplyTo(chat: ChatState, p: Params): number | undefined {
    const replyParameters = readJson(p, 'reply_parameters');
    let messageId: number | undefined;
    let allowWithoutReply = readBool(p, 'allow_sending_without_reply') ?? false;
    if (replyParameters !== undefined) {
      if (!isObject(replyParameters)) throw badRequest("can't parse reply parameters JSON object");
      messageId = readInt(replyParameters, 'message_id');
      allowWithoutReply = readBool(replyParameters, 'allow_sending_without_reply') ?? allowWithoutReply;
    } else {
      messageId = readInt(p, 'reply_to_message_id');
    }
    if (messageId === undefined) return undefined;
    if (this.messageExists(chat, messageId)) return messageId;
    if (allowWithoutReply) return undefined;
    throw badRequest('message to be replied not found');
  }

  private admit(chat: ChatState): void {
    const retryAfterSeconds = this.limiter.take(chat.id, chat.type !== 'private', this.now());
    if (retryAfterSeconds > 0) {
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfterSeconds}`, {
        retry_after: retryAfterSeconds,
      });
    }
  }

  // ---- messages ---------------------------------------------------------------------------

  private parseContent(p: Params): { html: string; text: string; entities: Entity[]; parseMode?: 'HTML' } {
    const html = readString(p, 'text');
    if (html === undefined || html === '') throw badRequest('message text is empty');
    if (Buffer.byteLength(html, 'utf8') > MAX_RAW_TEXT_BYTES) throw badRequest('message is too long');
    const mode = (readString(p, 'parse_mode') ?? '').toLowerCase();
    let content: { html: string; text: string; entities: Entity[]; parseMode?: 'HTML' };
    if (mode === 'html') {
      const parsed = parseTelegramHtml(html, { strict: this.strictHtml });
      if (!parsed.ok) throw new ApiError(400, parsed.description);
      content = { html, text: parsed.text, entities: parsed.entities, parseMode: 'HTML' };
    } else if (mode === 'markdownv2' || mode === 'markdown') {
      throw badRequest('unsupported parse_mode in this fake');
    } else if (mode !== '') {
      throw badRequest('unsupported parse_mode');
    } else {
      content = { html, text: html, entities: readEntities(p, html) };
    }
    if (content.text.trim() === '') throw badRequest('message text is empty');
    if (utf16Length(content.text) > MAX_TEXT_UTF16) throw badRequest('message is too long');
    if (content.entities.length > MAX_ENTITIES) throw badRequest('too many entities');
    return content;
  }

  // Posts nothing, but refuses exactly as sendMessage would (setup and doctor probe with it):
  // blocked, never started, no rights, upgraded group (with migrate_to_chat_id), no topic.
  private sendChatAction(p: Params): Success {
    const chat = this.resolveChat(p);
    this.checkAccess(chat, 'send');
    this.checkThread(chat, readInt(p, 'message_thread_id'));
    const action = readString(p, 'action');
    if (action === undefined || action === '') throw badRequest('action is empty');
    if (!CHAT_ACTIONS.includes(action)) throw badRequest('wrong parameter action in request');
    return { result: true };
  }

  private sendMessage(p: Params): Success {
    const chat = this.resolveChat(p);
    this.checkAccess(chat, 'send');
    const threadId = readInt(p, 'message_thread_id');
    this.checkThread(chat, threadId);
    const replyTo = this.resolveReplyTo(chat, p);
    const content = this.parseContent(p);
    const replyMarkup = parseReplyMarkup(p.reply_markup, false);
    const disableNotification = readBool(p, 'disable_notification') ?? false;
    const linkPreviewOptions = readJson(p, 'link_preview_options');
    this.admit(chat);

    const message: FakeMessage = {
      chatId: chat.id,
      messageId: chat.nextMessageId++,
      ...content,
      edits: 0,
      date: this.unixNow(),
      disableNotification,
    };
    if (threadId !== undefined) message.threadId = threadId;
    if (replyTo !== undefined) message.replyTo = replyTo;
    if (replyMarkup !== undefined) message.replyMarkup = replyMarkup;
    if (linkPreviewOptions !== undefined) message.linkPreviewOptions = linkPreviewOptions;
    this.messageMap.set(messageKey(chat.id, message.messageId), message);
    this.changed();
    return { result: this.messageObject(message, chat) };
  }

  private editTarget(p: Params): { chat: ChatState; message: FakeMessage } {
    if (p.inline_message_id !== undefined) throw badRequest('inline messages are not supported by this fake');
    const chat = this.resolveChat(p);
    this.checkAccess(chat, 'edit');
    const messageId = readInt(p, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const message = this.messageMap.get(messageKey(chat.id, messageId));
    if (!message) throw badRequest('message to edit not found');
    return { chat, message };
  }

  private editMessageText(p: Params): Success {
    const { chat, message } = this.editTarget(p);
    const content = this.parseContent(p);
    const replyMarkup = parseReplyMarkup(p.reply_markup, true);
    const linkPreviewOptions = readJson(p, 'link_preview_options');
    if (
      content.text === message.text &&
      canonicalJson(content.entities) === canonicalJson(message.entities) &&
      canonicalJson(replyMarkup) === canonicalJson(message.replyMarkup)
    ) {
      throw notModified();
    }
    this.admit(chat);
    message.html = content.html;
    message.text = content.text;
    message.entities = content.entities;
    if (content.parseMode) message.parseMode = content.parseMode;
    else delete message.parseMode;
    setOptional(message, 'replyMarkup', replyMarkup);
    if (linkPreviewOptions !== undefined) message.linkPreviewOptions = linkPreviewOptions;
    return this.edited(message, chat);
  }

  private editMessageReplyMarkup(p: Params): Success {
    const { chat, message } = this.editTarget(p);
    const replyMarkup = parseReplyMarkup(p.reply_markup, true);
    if (canonicalJson(replyMarkup) === canonicalJson(message.replyMarkup)) throw notModified();
    this.admit(chat);
    setOptional(message, 'replyMarkup', replyMarkup);
    return this.edited(message, chat);
  }

  private edited(message: FakeMessage, chat: ChatState): Success {
    message.edits++;
    message.editDate = this.unixNow();
    this.changed();
    return { result: this.messageObject(message, chat) };
  }

  private deleteMessage(p: Params): Success {
    const chat = this.resolveChat(p);
    const messageId = readInt(p, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const key = messageKey(chat.id, messageId);
    if (this.messageMap.has(key)) this.messageMap.delete(key);
    else if (!chat.userMessageIds.delete(messageId)) throw badRequest('message to delete not found');
    this.changed();
    return { result: true };
  }

  // ---- callbacks, updates, webhooks -------------------------------------------------------

  private answerCallbackQuery(p: Params): Success {
    const id = readString(p, 'callback_query_id') ?? '';
    const text = readString(p, 'text');
    if (text !== undefined && utf16Length(text) > MAX_CALLBACK_ANSWER_CHARS) {
      // Fake's wording: Telegram's exact text for this is not documented.
      throw badRequest('MESSAGE_TOO_LONG');
    }
    const expiresAtMs = this.callbackQueries.get(id);
    this.callbackQueries.delete(id);
    if (expiresAtMs === undefined || this.now() > expiresAtMs) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const answer: CallbackAnswer = { callbackQueryId: id, showAlert: readBool(p, 'show_alert') ?? false };
    if (text !== undefined) answer.text = text;
    const url = readString(p, 'url');
    if (url !== undefined) answer.url = url;
    this.answers.push(answer);
    this.changed();
    return { result: true };
  }

  private getUpdates(p: Params, ctx: RequestContext): Success | Promise<Success> {
    if (this.webhookState) {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = readInt(p, 'offset') ?? 0;
    const limit = Math.min(100, Math.max(1, readInt(p, 'limit') ?? 100));
    const timeoutSeconds = Math.max(0, readInt(p, 'timeout') ?? 0);
    const allowed = readStringArray(p, 'allowed_updates');
    if (allowed !== undefined) this.allowedUpdates = allowed;

    if (this.poll) {
      const superseded = this.poll;
      this.poll = undefined;
      superseded.settle(
        new ApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
      );
    }
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    if (offset < 0) this.updates = this.updates.slice(offset);
    this.changed();

    const ready = this.deliverable(limit);
    if (ready.length > 0 || timeoutSeconds === 0) return { result: ready };

    return new Promise<Success>((resolve, reject) => {
      const poll: PendingPoll = {
        limit,
        settle: (outcome) => {
          clearTimeout(timer);
          if (this.poll === poll) this.poll = undefined;
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      const timer = setTimeout(() => poll.settle({ result: this.deliverable(limit) }), timeoutSeconds * 1000);
      this.poll = poll;
      ctx.onAbort(() => poll.settle(new DropConnection()));
    });
  }

  /** Drops updates of types not allowed (Telegram never delivers them) and returns the first `limit`. */
  private deliverable(limit: number): Update[] {
    const allowed = this.allowedUpdates && this.allowedUpdates.length > 0 ? new Set(this.allowedUpdates) : undefined;
    const isAllowed = (u: Update): boolean => {
      const type = Object.keys(u).find((k) => k !== 'update_id') ?? '';
      return allowed ? allowed.has(type) : !DEFAULT_EXCLUDED_UPDATES.has(type);
    };
    this.updates = this.updates.filter(isAllowed);
    return this.updates.slice(0, limit);
  }

  private wakePoll(): void {
    const poll = this.poll;
    if (!poll) return;
    const ready = this.deliverable(poll.limit);
    if (ready.length > 0) poll.settle({ result: ready });
  }

  private setWebhook(p: Params): Success {
    const url = readString(p, 'url') ?? '';
    if (url === '') return this.removeWebhook(readBool(p, 'drop_pending_updates') ?? false);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('invalid webhook URL specified');
    }
    if (!this.webhookDelivery) {
      if (parsed.protocol !== 'https:') throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      if (!['', '80', '88', '443', '8443'].includes(parsed.port)) {
        throw badRequest('bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443');
      }
    } else if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw badRequest('invalid webhook URL specified');
    }
    const secretToken = readString(p, 'secret_token');
    if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
      throw badRequest('secret token contains unallowed characters');
    }
    const maxConnections = readInt(p, 'max_connections') ?? 40;
    const allowed = readStringArray(p, 'allowed_updates');
    if (allowed !== undefined) this.allowedUpdates = allowed;
    if (readBool(p, 'drop_pending_updates')) this.updates = [];

    const unchanged = this.webhookState?.url === url && this.webhookState.secretToken === secretToken;
    this.webhookState = { url, maxConnections };
    if (secretToken !== undefined) this.webhookState.secretToken = secretToken;
    this.poll?.settle(
      new ApiError(409, 'Conflict: terminated by setWebhook request'),
    );
    this.changed();
    void this.deliverWebhook();
    return { result: true, description: unchanged ? 'Webhook is already set' : 'Webhook was set' };
  }

  private deleteWebhook(p: Params): Success {
    return this.removeWebhook(readBool(p, 'drop_pending_updates') ?? false);
  }

  private removeWebhook(dropPending: boolean): Success {
    const had = this.webhookState !== undefined;
    this.webhookState = undefined;
    clearTimeout(this.webhookRetry);
    if (dropPending) this.updates = [];
    this.changed();
    return { result: true, description: had ? 'Webhook was deleted' : 'Webhook is already deleted' };
  }

  private getWebhookInfo(): Success {
    const hook = this.webhookState;
    const info: Record<string, unknown> = {
      url: hook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.updates.length,
    };
    if (hook) {
      info.max_connections = hook.maxConnections;
      if (hook.lastErrorDate !== undefined) info.last_error_date = hook.lastErrorDate;
      if (hook.lastErrorMessage !== undefined) info.last_error_message = hook.lastErrorMessage;
      if (this.allowedUpdates) info.allowed_updates = this.allowedUpdates;
    }
    return { result: info };
  }

  /** POSTs pending updates one at a time, in order, while a webhook with delivery is set. */
  private async deliverWebhook(): Promise<void> {
    if (!this.webhookDelivery || this.delivering) return;
    this.delivering = true;
    try {
      for (;;) {
        const hook = this.webhookState;
        const next = hook && !this.closed ? this.deliverable(1)[0] : undefined;
        if (!hook || !next) return;
        const error = await postUpdate(hook, next);
        if (this.webhookState !== hook) continue;
        if (error !== undefined) {
          hook.lastErrorDate = this.unixNow();
          hook.lastErrorMessage = error;
          this.changed();
          clearTimeout(this.webhookRetry);
          this.webhookRetry = setTimeout(() => void this.deliverWebhook(), WEBHOOK_RETRY_MS);
          return;
        }
        this.updates = this.updates.filter((u) => u !== next);
        this.changed();
      }
    } finally {
      this.delivering = false;
    }
  }

  // ---- chat info and commands -------------------------------------------------------------

  private getChat(p: Params): Record<string, unknown> {
    const chat = this.resolveChat(p);
    const info: Record<string, unknown> = { ...this.chatObject(chat), accent_color_id: 0, max_reaction_count: 11 };
    if (chat.type === 'group' || chat.type === 'supergroup') {
      info.permissions = { can_send_messages: chat.canSendMessages };
    }
    return info;
  }

  private getChatMember(p: Params): Success {
    const chat = this.resolveChat(p);
    const userId = readInt(p, 'user_id');
    if (userId === undefined) throw badRequest('invalid user_id specified');
    // A private chat does not tell the bot whether the user blocked it or never started it:
    // only a send (or a chat action) is refused.
    if (userId === this.botId) return { result: chat.type === 'private' ? { status: 'member', user: this.botUser(false) } : this.botMember(chat) };
    const status = chat.type === 'private' && userId === chat.id ? 'member' : chat.members?.[userId];
    if (status === undefined) throw badRequest('user not found');
    return { result: { status, user: { id: userId, is_bot: false, first_name: `User ${userId}` } } };
  }

  private botMember(chat: ChatState): Record<string, unknown> {
    const user = this.botUser(false);
    switch (chat.botStatus) {
      case 'administrator':
        return {
          status: 'administrator',
          user,
          can_be_edited: false,
          is_anonymous: false,
          can_manage_chat: true,
          can_delete_messages: true,
          can_invite_users: true,
          can_change_info: false,
          can_restrict_members: false,
          can_promote_members: false,
          can_manage_video_chats: false,
          ...(chat.type === 'channel'
            ? { can_post_messages: chat.canSendMessages, can_edit_messages: chat.canSendMessages }
            : { can_pin_messages: true }),
        };
      case 'restricted':
        return { status: 'restricted', user, is_member: true, can_send_messages: chat.canSendMessages, until_date: 0 };
      case 'kicked':
        return { status: 'kicked', user, until_date: 0 };
      case 'left':
        return { status: 'left', user };
      case 'member':
        return { status: 'member', user };
    }
  }

  private setMyCommands(p: Params): Success {
    const commands = readJson(p, 'commands');
    if (!Array.isArray(commands)) throw badRequest('field "commands" must be an Array');
    if (commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH');
    const parsed = commands.map((c: unknown): BotCommand => {
      const command = isObject(c) ? c.command : undefined;
      const description = isObject(c) ? c.description : undefined;
      if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof description !== 'string' || description.length < 1 || description.length > 256) {
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      }
      return { command, description };
    });
    this.commands.set(commandsKey(p), parsed);
    this.changed();
    return { result: true };
  }

  // ---- Bot API objects --------------------------------------------------------------------

  private botUser(full: boolean): Record<string, unknown> {
    const user: Record<string, unknown> = {
      id: this.botId,
      is_bot: true,
      first_name: this.botFirstName,
      username: this.botUsername,
    };
    if (full) {
      Object.assign(user, {
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
      });
    }
    return user;
  }

  private userObject(chat: ChatState, from: Partial<TgUser> | undefined): TgUser {
    const isPrivate = chat.type === 'private';
    return {
      id: isPrivate ? chat.id : DEFAULT_USER_ID,
      is_bot: false,
      first_name: isPrivate ? (chat.firstName ?? 'Tester') : 'Tester',
      ...(isPrivate && chat.username !== undefined ? { username: chat.username } : {}),
      ...from,
    };
  }

  private chatObject(chat: ChatState): TgChat {
    const obj: TgChat = { id: chat.id, type: chat.type };
    if (chat.type === 'private') obj.first_name = chat.firstName ?? 'Tester';
    else obj.title = chat.title ?? `Test ${chat.type} ${chat.id}`;
    if (chat.username !== undefined) obj.username = chat.username;
    if (chat.isForum) obj.is_forum = true;
    return obj;
  }

  private messageObject(message: FakeMessage, chat: ChatState): Record<string, unknown> {
    const obj: Record<string, unknown> = { message_id: message.messageId };
    if (message.threadId !== undefined) {
      obj.message_thread_id = message.threadId;
      if (chat.isForum) obj.is_topic_message = true;
    }
    if (chat.type === 'channel') obj.sender_chat = this.chatObject(chat);
    else obj.from = this.botUser(false);
    obj.chat = this.chatObject(chat);
    obj.date = message.date;
    if (message.editDate !== undefined) obj.edit_date = message.editDate;
    if (message.replyTo !== undefined) {
      obj.reply_to_message = { message_id: message.replyTo, chat: this.chatObject(chat), date: message.date };
    }
    obj.text = message.text;
    if (message.entities.length > 0) obj.entities = message.entities;
    if (message.replyMarkup?.inline_keyboard) obj.reply_markup = { inline_keyboard: message.replyMarkup.inline_keyboard };
    return obj;
  }

  private unixNow(): number {
    return Math.floor(this.now() / 1000);
  }
}

// ---- helpers ----------------------------------------------------------------------------

function resolveLimits(limits: Partial<RateLimits> | false | undefined): RateLimits | false {
  return limits === false ? false : { ...DEFAULT_LIMITS, ...limits };
}

function messageKey(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`;
}

function commandsKey(p: Params): string {
  const scope = readJson(p, 'scope') ?? { type: 'default' };
  return `${canonicalJson(scope)}|${readString(p, 'language_code') ?? ''}`;
}

function notModified(): ApiError {
  return badRequest(
    'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  );
}

function setOptional<K extends keyof FakeMessage>(message: FakeMessage, key: K, value: FakeMessage[K] | undefined): void {
  if (value === undefined) delete message[key];
  else message[key] = value;
}

function errorBody(err: ApiError): ApiResponse {
  const body: ApiResponse = { ok: false, error_code: err.status, description: err.description };
  if (err.parameters) body.parameters = err.parameters;
  return body;
}

/** `entities` sent with a literal text: shape-checked only, as the project never sends them. */
function readEntities(p: Params, text: string): Entity[] {
  const raw = readJson(p, 'entities');
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw badRequest("can't parse entities JSON object");
  return raw.map((e: unknown): Entity => {
    if (!isObject(e) || typeof e.type !== 'string') throw badRequest("can't parse MessageEntity: Field \"type\" must be of type String");
    const offset = readInt(e, 'offset') ?? -1;
    const length = readInt(e, 'length') ?? -1;
    if (offset < 0 || length < 1 || offset + length > utf16Length(text)) throw badRequest('entity beyond the end of the text');
    return { ...(e as unknown as Entity), offset, length };
  });
}

async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if (body === '') return params;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (!isObject(parsed)) throw badRequest("can't parse JSON object");
    return { ...params, ...parsed };
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
  }
  throw badRequest(`unsupported Content-Type "${type}" in this fake (use JSON or x-www-form-urlencoded)`);
}

function resetSocket(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  // An RST rather than a FIN: the client sees ECONNRESET, like a dropped proxy connection.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

async function postUpdate(hook: WebhookState, update: Update): Promise<string | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (hook.secretToken !== undefined) headers['x-telegram-bot-api-secret-token'] = hook.secretToken;
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return res.ok ? undefined : `Wrong response from the webhook: ${res.status} ${res.statusText}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return `Connection failed: ${cause?.code ?? (err as Error).message}`;
  }
}
