/**
 * What goes into a message or upload body, as public clients and the docs shape it: the id form of
 * `toUser` in header mode (`convertUserId`), `articles` items and upload file names. Pure.
 */
import { FxiaokeError } from './errors.js';
import {
  type Article,
  type CompositeCard,
  MAX_ARTICLE_TITLE,
  MAX_ARTICLES_PER_MESSAGE,
  MAX_CARD_FIELD,
  MAX_CARD_TEXT,
  MAX_CARD_TITLE,
} from './interface.js';

/** In header mode `toUser` holds employee ids unless the body says `convertUserId: true`. */
export type ConvertUserIdMode = 'auto' | 'never';

const OPEN_USER_ID = /^FSUID_/;

/**
 * Whether the body needs `"convertUserId": true`: header mode reads `toUser` as employee ids
 * unless told to convert openUserIds (V2 docs, via a transcription). One call cannot hold both
 * forms (the relay batches them apart), so a mixed list fails before anything is sent.
 */
export function needsConvertUserId(
  authMode: 'header' | 'legacy',
  mode: ConvertUserIdMode | undefined,
  toUser: readonly string[],
  path: string,
): boolean {
  if (authMode !== 'header' || mode === 'never') return false;
  const open = toUser.filter((id) => OPEN_USER_ID.test(id)).length;
  if (open > 0 && open < toUser.length) {
    throw new FxiaokeError({
      path,
      kind: 'recipient',
      meaning: 'one Fxiaoke message cannot mix openUserIds (FSUID_…) and employee ids in header auth mode',
    });
  }
  return open > 0;
}

/** The `articles` of a message, checked against the documented limits before anything is sent. */
export function articleItems(articles: readonly Article[]): Article[] {
  if (articles.length === 0 || articles.length > MAX_ARTICLES_PER_MESSAGE) {
    throw new RangeError(`sendArticles takes 1–${MAX_ARTICLES_PER_MESSAGE} articles, got ${articles.length}`);
  }
  const long = articles.find((article) => [...article.title].length > MAX_ARTICLE_TITLE);
  if (long) throw new RangeError(`article title longer than ${MAX_ARTICLE_TITLE} characters: ${long.title}`);
  // `content` is required (.NET SDK, docs): an item without text shows its title.
  return articles.map((article) => ({
    ...article,
    content: article.content.trim() ? article.content : article.title,
  }));
}

/**
 * The `composite` of a card message, checked before anything is sent: a card Fxiaoke would refuse
 * (no head title, no link title or url) or one over the bridge's limits is a bug in the caller.
 * Empty optional parts are left out rather than sent empty.
 */
export function compositeBody(card: CompositeCard): CompositeCard {
  const length = (text: string) => [...text].length;
  const within = (what: string, text: string, limit: number) => {
    if (length(text) > limit) throw new RangeError(`card ${what} longer than ${limit} characters`);
  };
  if (!card.head.title.trim()) throw new RangeError('a card needs a head title');
  if (!card.link.title.trim() || !card.link.url.trim())
    throw new RangeError('a card needs a link title and url');
  within('title', card.head.title, MAX_CARD_TITLE);
  within('link title', card.link.title, MAX_CARD_FIELD);
  const first = card.first?.content.trim() ? card.first.content : undefined;
  if (first !== undefined) within('text', first, MAX_CARD_TEXT);
  const form = (card.form ?? []).filter((row) => row.label.trim() || row.value.trim());
  for (const row of form) {
    within('form label', row.label, MAX_CARD_FIELD);
    within('form value', row.value, MAX_CARD_FIELD);
  }
  const remark = card.remark?.content.trim() ? card.remark.content : undefined;
  if (remark !== undefined) within('remark', remark, MAX_CARD_TEXT);
  // In the order the doc page lists them.
  return {
    head: { title: card.head.title },
    ...(first !== undefined ? { first: { content: first } } : {}),
    ...(form.length > 0 ? { form: form.map(({ label, value }) => ({ label, value })) } : {}),
    ...(remark !== undefined ? { remark: { content: remark } } : {}),
    link: { title: card.link.title, url: card.link.url },
  };
}

/** Extensions Fxiaoke accepts for an image (jpg, png, gif, bmp; the .NET SDK adds jpeg). */
const IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
};

/** Public clients always send a file name with an extension; one is added when it lacks it. */
export function uploadFileName(fileName: string, contentType: string): string {
  const base = fileName.trim() || 'image';
  if (/\.[A-Za-z0-9]{2,5}$/.test(base)) return base;
  return `${base}.${IMAGE_EXTENSIONS[contentType.toLowerCase()] ?? 'png'}`;
}
