/**
 * The classification of one inbound message (PRODUCT.md §6). Pure: a parsed message in, a
 * decision out; no clock (dates are relative to the message's own Date header), no I/O.
 *
 * Order: an ARF feedback report is a complaint; an RFC 3464 report is a delivery report
 * (all recipients delivered) or a bounce; a non-standard failure notice is a bounce; then
 * automatic replies; anything else with words from a person is a reply with an intent.
 */

import { detectAutoReply, isReplySubject } from './auto-reply.ts';
import {
  type BounceRecipient,
  dsnRecipients,
  judgeRecipients,
  looksLikeBounceNotice,
  noticeRecipients,
  noticeText,
  providerNotification,
} from './bounce.ts';
import { detectIntent, messageCalendarDate, type ReplyIntent } from './intent.ts';
import type { ParsedMessage } from './parse.ts';
import { extractReplyText } from './reply-text.ts';

export type MessageKind = 'bounce' | 'auto_reply' | 'complaint' | 'delivered' | 'reply' | 'unknown';

export interface ReplyClassification {
  readonly intent: ReplyIntent;
  readonly promised_date: string | null;
}

export interface ThreadReference {
  /** The message this one answers: In-Reply-To, else the first References id. */
  readonly message_id: string;
  /** Filled by the intake from the outbox; the pure classifier cannot know it. */
  readonly customer_external_id: string | null;
}

export interface Classification {
  readonly kind: MessageKind;
  /** Bounces only: the first failed recipient. */
  readonly bounce?: BounceRecipient;
  /** Bounces only: one entry per failed recipient. */
  readonly bounces?: readonly BounceRecipient[];
  /** Replies only. */
  readonly reply?: ReplyClassification;
  readonly thread: ThreadReference | null;
  /** Not part of the §6 JSON: the details the intake stores and shows on the timeline. */
  readonly details: ClassificationDetails;
}

export interface ClassificationDetails {
  /** Complaints: the ARF Feedback-Type (abuse, opt-out…) and the complaining recipient(s). */
  readonly feedbackType?: string;
  readonly complainedRecipients?: readonly string[];
  /** Delivery reports: recipients reported delivered. */
  readonly deliveredRecipients?: readonly string[];
  /** Auto-replies: the header or pattern that decided it. */
  readonly autoReplyEvidence?: string;
  /** Replies: the new text (quoted history and signature removed). */
  readonly replyText?: string;
  /** Replies: the phrase that decided the intent and the pattern language. */
  readonly intentEvidence?: string;
  /** Why the message is `unknown`, or what was wrong with it while parsing. */
  readonly problems: readonly string[];
}

const DELIVERED_ACTIONS = new Set(['delivered', 'relayed', 'expanded']);

export function threadOf(parsed: ParsedMessage): ThreadReference | null {
  const id = parsed.inReplyTo ?? parsed.references[0] ?? null;
  return id ? { message_id: id, customer_external_id: null } : null;
}

export function classifyMessage(parsed: ParsedMessage): Classification {
  const thread = threadOf(parsed);
  const problems = [...parsed.problems];

  const complaint = readComplaint(parsed);
  if (complaint) return { kind: 'complaint', thread, details: { ...complaint, problems } };

  const provider = providerNotification(parsed);
  if (provider?.type === 'complaint')
    return {
      kind: 'complaint',
      thread,
      details: { feedbackType: 'abuse', complainedRecipients: provider.recipients, problems },
    };
  if (provider?.type === 'delivered')
    return { kind: 'delivered', thread, details: { deliveredRecipients: provider.recipients, problems } };
  if (provider?.type === 'bounce' && provider.failures.length > 0)
    return bounceResult(judgeRecipients(provider.failures, ''), thread, problems);

  const dsn = dsnRecipients(parsed);
  if (dsn.length > 0) {
    const delivered = dsn.filter(
      (r) => (r.action && DELIVERED_ACTIONS.has(r.action)) || r.status?.startsWith('2.'),
    );
    const failed = dsn.filter((r) => !delivered.includes(r));
    if (failed.length === 0)
      return {
        kind: 'delivered',
        thread,
        details: { deliveredRecipients: delivered.map((r) => r.recipient), problems },
      };
    const bounces = judgeRecipients(failed, noticeText(parsed));
    return bounceResult(bounces, thread, problems);
  }

  const notice = looksLikeBounceNotice(parsed);
  const autoReply = detectAutoReply(parsed);
  if (notice && !(autoReply.auto && autoReply.evidence === 'subject')) {
    const failures = noticeRecipients(parsed);
    if (failures.length > 0)
      return bounceResult(judgeRecipients(failures, noticeText(parsed)), thread, problems);
    if (parsed.deliveryStatus.length > 0 || /^multipart\/report/.test(parsed.contentType))
      problems.push('delivery report names no recipient');
    else problems.push('looks like a delivery failure notice but names no failed recipient');
    return { kind: 'unknown', thread, details: { problems } };
  }
  if (parsed.deliveryStatus.length > 0) {
    problems.push('delivery report names no recipient');
    return { kind: 'unknown', thread, details: { problems } };
  }
  if (autoReply.auto)
    return { kind: 'auto_reply', thread, details: { autoReplyEvidence: autoReply.evidence ?? '', problems } };

  const replyText = extractReplyText(parsed);
  if (!parsed.from || replyText.trim() === '') {
    if (!parsed.from) problems.push('no sender address');
    if (replyText.trim() === '') problems.push('no new text in the message');
    return { kind: 'unknown', thread, details: { problems } };
  }
  const intent = detectIntent(
    isReplySubject(parsed.subject) ? replyText : `${parsed.subject}\n${replyText}`,
    messageCalendarDate(parsed.date, parsed.headers.date?.[0]),
  );
  return {
    kind: 'reply',
    reply: { intent: intent.intent, promised_date: intent.promisedDate },
    thread,
    details: { replyText, intentEvidence: intent.evidence ?? undefined, problems },
  };
}

function bounceResult(
  bounces: BounceRecipient[],
  thread: ThreadReference | null,
  problems: string[],
): Classification {
  return { kind: 'bounce', bounce: bounces[0]!, bounces, thread, details: { problems } };
}

function readComplaint(
  parsed: ParsedMessage,
): { feedbackType: string; complainedRecipients: string[] } | null {
  // Apple Mail's "Unsubscribe" button sends a plain message marked X-Apple-Unsubscribe: the
  // sender asks to receive no more mail (an opt-out, treated like an ARF opt-out report).
  if (/^\s*true\s*$/i.test(parsed.headers['x-apple-unsubscribe']?.[0] ?? '') && parsed.from)
    return { feedbackType: 'opt-out', complainedRecipients: [parsed.from.address.toLowerCase()] };
  const reportText =
    parsed.feedbackReport[0] ??
    (/^feedback-type\s*:/im.test(parsed.text) &&
    /^(user-agent|version|original-rcpt-to|arrival-date)\s*:/im.test(parsed.text)
      ? parsed.text
      : null);
  const reportType = /report-type\s*=\s*"?feedback-report/i.test(parsed.headers['content-type']?.[0] ?? '');
  if (reportText === null && !reportType) return null;
  const text = reportText ?? '';
  const feedbackType = /^feedback-type\s*:\s*([\w-]+)/im.exec(text)?.[1]?.toLowerCase() ?? 'abuse';
  const complained = new Set<string>();
  for (const m of text.matchAll(
    /^(original-rcpt-to|removal-recipient)\s*:\s*(?:rfc822\s*;\s*)?<?([^\s<>@]{1,64}@[^\s<>]{1,255})>?/gim,
  ))
    complained.add(m[2]!.toLowerCase());
  if (complained.size === 0) {
    const to = parsed.originalHeaders?.to?.[0];
    const m = to ? /([^\s<>",@]{1,64}@[^\s<>",]{1,255})/.exec(to) : null;
    if (m?.[1]) complained.add(m[1].toLowerCase());
  }
  return { feedbackType, complainedRecipients: [...complained] };
}
