// The single chat (and topic) from .env, as the intake and test-send take it when there is no
// routes file: it becomes singleChatRoutes (config.ts), and match.ts picks the targets.

export interface RouteConfig {
  chatId: string;
  topicId?: number | undefined;
}
