// The fake Bot API's HTML parse mode. The parser itself lives in src/render/telegram-html.ts so
// the template checker (src/render/template-check.ts) refuses at start-up exactly what this fake
// (and Telegram) would refuse at 3 a.m.; it is a pure model of tdlib's parse_html, not sentry-tg
// logic, so sharing it does not make the fake trust the code under test.
export * from '../../src/render/telegram-html.js';
