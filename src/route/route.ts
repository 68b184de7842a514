// Which chat and topic an alert goes to. One target today; routing by project, environment,
// level or resource will grow here without touching the receiver or the dispatcher.
import type { Alert } from '../normalise/alert.js';

export interface Target {
  chatId: string;
  threadId: number | null;
}

export interface RouteConfig {
  chatId: string;
  topicId?: number | undefined;
}

export function route(_alert: Alert, config: RouteConfig): Target {
  return { chatId: config.chatId, threadId: config.topicId ?? null };
}
