/** The outbox sender: claims due messages, renders them and hands them to SMTP or the catcher. */
export {
  createMessageBuilder,
  type MessageBuilder,
  newMessageId,
  newReplyToken,
  readDkimKey,
} from './compose.ts';
export { dkimDnsRecord, generateDkimKey } from './dkim.ts';
export {
  canTransition,
  DEFAULT_RETRY_POLICY,
  DomainRateLimiter,
  decideFailure,
  oneLine,
  type RetryPolicy,
  retryDelayMs,
} from './policy.ts';
export {
  createSender,
  DEFAULT_LEASE_MS,
  drainOutbox,
  type SendCounts,
  type Sender,
  type SenderOptions,
  senderTuning,
} from './sender.ts';
export {
  type Delivered,
  type Handover,
  type MailTransport,
  smtpTransport,
  TransportError,
} from './transport.ts';
