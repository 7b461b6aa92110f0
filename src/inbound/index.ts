/**
 * Inbound mail: parsing raw messages and classifying them (bounces, complaints, delivery
 * reports, auto-replies, replies and their intent). Storage, threading effects and IMAP
 * polling build on these.
 */
export { type AutoReplyVerdict, detectAutoReply } from './auto-reply.ts';
export type { BounceRecipient, FailedRecipient } from './bounce.ts';
export { BOUNCE_REASONS, type BounceReason, isHardBounce, reasonFor } from './bounce-rules.ts';
export {
  type Classification,
  type ClassificationDetails,
  classifyMessage,
  type MessageKind,
  type ReplyClassification,
  type ThreadReference,
  threadOf,
} from './classify.ts';
export {
  DEFAULT_RULES,
  detectIntent,
  type IntentResult,
  type IntentRules,
  messageCalendarDate,
  type ReplyIntent,
} from './intent.ts';
export { type MailAddress, type ParsedAttachment, type ParsedMessage, parseMessage } from './parse.ts';
export { type DateVocabulary, type FoundDate, findDate } from './relative-date.ts';
export { extractReplyText, htmlToText, stripQuotedText, stripSignature } from './reply-text.ts';
export { type ClassificationJson, classificationJson, classifyRaw } from './report.ts';
