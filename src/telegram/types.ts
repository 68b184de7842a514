// The Bot API shapes sentry-tg sends and reads (a subset of https://core.telegram.org/bots/api).

export interface InlineButton {
  text: string;
  url?: string;
  callback_data?: string;
}
export interface ReplyMarkup {
  inline_keyboard: InlineButton[][];
}

export interface SendParams {
  chat_id: string | number;
  text: string;
  parse_mode?: 'HTML';
  message_thread_id?: number;
  reply_markup?: ReplyMarkup;
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
  link_preview_options?: { is_disabled: boolean };
  disable_notification?: boolean;
}

export interface EditParams {
  chat_id: string | number;
  message_id: number;
  text: string;
  parse_mode?: 'HTML';
  reply_markup?: ReplyMarkup;
  link_preview_options?: { is_disabled: boolean };
}

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}
export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  is_forum?: boolean;
}
export interface TgMessage {
  message_id: number;
  message_thread_id?: number;
  is_topic_message?: boolean;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  date: number;
  forum_topic_created?: { name: string };
  reply_to_message?: TgMessage;
}
export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  channel_post?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: { chat: TgChat; from: TgUser; new_chat_member: { status: string } };
}
