/**
 * The inbound intake: raw messages in (files, the webhook, IMAP), stored first, then
 * classified, threaded and applied (effects reversible). See docs/mail-in.md.
 */
export {
  addDays,
  decideEffects,
  type EffectDecision,
  type EffectFacts,
  type PlannedEffect,
  type Proposal,
  replyTokens,
  SOFT_BOUNCE_WINDOW_DAYS,
  SOFT_BOUNCES_BEFORE_HARD,
  type ThreadClues,
  threadClues,
} from './decide.ts';
export {
  DEFAULT_PROCESSED_FOLDER,
  type ImapSettings,
  imapSettings,
  openImapClient,
  type PollOptions,
  type PollResult,
  pollMailbox,
  pollOnce,
  startImapLoop,
} from './imap.ts';
export {
  acceptInbound,
  assignInbound,
  type IntakeDeps,
  processInbound,
  processPending,
  type ReceiveResult,
  receiveInbound,
  resolveThreadReference,
  retryInbound,
  undoInbound,
} from './process.ts';
export {
  checkInboundId,
  getInbound,
  type InboundFilter,
  type InboundSource,
  type InboundStatus,
  type InboundView,
  listInbound,
  MAX_INBOUND_BYTES,
  rawMessageId,
  storeRaw,
} from './store.ts';
export {
  authenticateWebhookSecret,
  type CreatedWebhookSecret,
  createWebhookSecret,
  revokeWebhookSecret,
} from './webhook-secrets.ts';
