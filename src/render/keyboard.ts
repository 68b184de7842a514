// The buttons under an issue message: Resolve · Archive ▾ · Open in Sentry, or the way back.
import { callbackData, type ActionCode, type Menu } from '../issue/actions.js';
import type { ShownStatus } from '../issue/state.js';
import type { InlineButton } from '../telegram/types.js';
import { messages, type Catalogue, type Locale } from '../i18n/index.js';
import { linkUrl } from './link.js';

const LABEL: Record<ActionCode, keyof Catalogue> = {
  r: 'buttonResolve',
  ur: 'buttonUnresolve',
  am: 'buttonArchive',
  a1: 'buttonArchive1h',
  a24: 'buttonArchive24h',
  ae: 'buttonArchiveEscalating',
  af: 'buttonArchiveForever',
  ua: 'buttonUnarchive',
  b: 'buttonBack',
};

/**
 * The buttons for an issue in `status`: Resolve · Archive ▾ · Open in Sentry while it is open;
 * Unresolve or Unarchive once it is resolved or archived; the archive durations on demand.
 */
export function actionKeyboard(
  status: ShownStatus,
  key: string,
  url: string | undefined,
  menu: Menu = 'main',
  locale: Locale = 'en',
): InlineButton[][] {
  const t = messages(locale);
  const button = (code: ActionCode): InlineButton => ({ text: t[LABEL[code]] as string, callback_data: callbackData(key, code) });
  if (menu === 'archive') {
    return [[button('a1'), button('a24')], [button('ae'), button('af')], [button('b')]];
  }
  const row =
    status === 'resolved' ? [button('ur')] : status === 'ignored' ? [button('ua')] : [button('r'), button('am')];
  // Only a link Telegram takes: one it refuses would fail the whole message.
  const link = linkUrl(url);
  if (link) row.push({ text: t.buttonOpen, url: link });
  return [row];
}
