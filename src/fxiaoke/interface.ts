/** The Fxiaoke port is the core's (relay/ports/fxiaoke.ts); the adapter implements it from here. */
export type {
  Article,
  CallFailure,
  CompositeCard,
  FxiaokeApi,
  MediaFile,
  MediaIdSource,
  MessageIdSource,
  QueuedInfo,
  RevokeOptions,
  RevokeResult,
  SendTextOptions,
  SendTextResult,
  UploadMediaResult,
} from '../relay/ports/fxiaoke.js';
export {
  MAX_ARTICLE_TITLE,
  MAX_ARTICLES_PER_MESSAGE,
  MAX_CARD_FIELD,
  MAX_CARD_TEXT,
  MAX_CARD_TITLE,
  MAX_RECIPIENTS_PER_CALL,
} from '../relay/ports/fxiaoke.js';
