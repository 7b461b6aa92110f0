/**
 * Reading a bounce: which recipients failed, with which status code and diagnostic text. Pure.
 * Standard reports (RFC 3464 `message/delivery-status`, also when a broken MIME structure left
 * the fields in the body) come first; the non-standard notices of qmail, Exim, Gmail, Yahoo…
 * are read from their human-readable text. The reason and hard/soft come from bounce-rules.ts.
 */
import { BOUNCE_NOTICE_SIGNS, ORIGINAL_MESSAGE_MARKERS } from './bounce-patterns.ts';
import { type BounceReason, isHardBounce, reasonFor, refusedCommand } from './bounce-rules.ts';
import { dropNonTextElements, HTML_TAG } from './html.ts';
import type { ParsedMessage } from './parse.ts';

export interface FailedRecipient {
  readonly recipient: string;
  /** Enhanced status code as reported (or found in the diagnostic text); null when none. */
  readonly status: string | null;
  readonly action: string | null;
  readonly diagnostic: string;
  /** `smtp`, `x-unix`, … from `Diagnostic-Code: TYPE; text`. */
  readonly diagnosticType: string | null;
  /** The receiving server named by the report (`Remote-MTA`), lower-cased; absent when unknown. */
  readonly remoteMta?: string | null;
}

export interface BounceRecipient {
  readonly type: 'hard' | 'soft';
  readonly recipient: string;
  readonly status: string;
  readonly reason: BounceReason;
}

/** Text fields of a report block, e.g. one recipient's `Final-Recipient`/`Status`/`Action`. */
type FieldBlock = Map<string, string>;

/** Bounded inputs: diagnostics never need more than the start of a notice. */
const MAX_NOTICE_CHARS = 64 * 1024;
const MAX_RECIPIENTS = 200;

/**
 * An address. Lengths are bounded as RFC 5321 bounds them (local part ≤ 64, labels ≤ 63): an
 * unbounded local part makes a long run of address characters without an "@" quadratic.
 */
const EMAIL =
  /(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63}){1,16}/g;
const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const REPLY_CODE = /\b([245]\d\d)[ -]/;

/**
 * A report's `Status` is often only the class (`5.0.0`) while the server's reply in the
 * diagnostic carries the precise code (`550 5.1.1 …`): the precise one of the same class wins.
 */
export function refineStatus(status: string | null, diagnostic: string): string | null {
  const inText = findStatus(diagnostic);
  if (!status) return inText;
  if (inText && /^[45]\.0\.0$/.test(status) && inText[0] === status[0] && !inText.endsWith('.0.0'))
    return inText;
  return status;
}

/** Parses the field blocks of a delivery-status body (blank-line separated, folded lines joined). */
export function readFieldBlocks(text: string): FieldBlock[] {
  const blocks: FieldBlock[] = [];
  let current: FieldBlock = new Map();
  let lastKey: string | null = null;
  for (const line of text.slice(0, MAX_NOTICE_CHARS).split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      lastKey = null;
      continue;
    }
    if (/^[ \t]/.test(line) && lastKey) {
      current.set(lastKey, `${current.get(lastKey) ?? ''} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) {
      lastKey = null;
      continue;
    }
    lastKey = m[1]!.toLowerCase();
    // Some MTAs run recipient blocks together without the blank line between them.
    if ((lastKey === 'final-recipient' || lastKey === 'original-recipient') && current.has(lastKey)) {
      blocks.push(current);
      current = new Map();
    }
    if (!current.has(lastKey)) current.set(lastKey, m[2]!.trim());
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

function addressIn(value: string | undefined): string | null {
  if (!value) return null;
  const after = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  EMAIL.lastIndex = 0;
  const m = after.match(EMAIL);
  return m?.[0] ? m[0].toLowerCase().replace(/^['"]+|['".]+$/g, '') : null;
}

/** The per-recipient blocks of RFC 3464 reports (parts, or report fields left in the body). */
export function dsnRecipients(parsed: ParsedMessage): FailedRecipient[] {
  const sources = parsed.deliveryStatus.length > 0 ? parsed.deliveryStatus : [reportTextInBody(parsed)];
  const out: FailedRecipient[] = [];
  for (const source of sources) {
    for (const block of readFieldBlocks(source)) {
      const recipient =
        addressIn(block.get('final-recipient')) ??
        addressIn(block.get('original-recipient')) ??
        addressIn(block.get('x-actual-recipient'));
      if (!recipient) continue;
      if (!block.has('action') && !block.has('status') && !block.has('diagnostic-code')) continue;
      const diag = block.get('diagnostic-code') ?? '';
      const typeMatch = /^([A-Za-z0-9-]+)\s*;\s*/.exec(diag);
      const statusField = block.get('status') ?? '';
      // Without a Diagnostic-Code, a comment after the status ("4.0.0 (host name lookup
      // failure)") is the only diagnostic; the generic "(permanent failure)" says nothing.
      const comment = /\(([^()]{4,200})\)/.exec(statusField)?.[1] ?? '';
      const commentText = /^(permanent|temporary|transient|persistent)( failure| error)?$/i.test(
        comment.trim(),
      )
        ? ''
        : comment;
      const diagnostic = typeMatch ? diag.slice(typeMatch[0].length) : diag || commentText;
      const remote = block.get('remote-mta') ?? '';
      out.push({
        recipient,
        status: refineStatus(statusField.match(ENHANCED_STATUS)?.[0] ?? null, diagnostic),
        action: block.get('action')?.toLowerCase().split(/[\s(]/)[0] ?? null,
        diagnostic,
        diagnosticType: typeMatch ? typeMatch[1]!.toLowerCase() : null,
        remoteMta: remote ? remote.replace(/^[^;]*;\s*/, '').toLowerCase() : null,
      });
      if (out.length >= MAX_RECIPIENTS) return out;
    }
  }
  return out;
}

function reportTextInBody(parsed: ParsedMessage): string {
  const text = parsed.plainParts.join('\n') || parsed.text;
  return /^(Final|Original)-Recipient\s*:/im.test(text) ? text : '';
}

/** The part of a notice before the copy of the original message. */
export function noticeText(parsed: ParsedMessage): string {
  const text =
    (parsed.plainParts.length > 0 ? parsed.plainParts.join('\n') : parsed.text) || htmlText(parsed);
  const limited = text.slice(0, MAX_NOTICE_CHARS);
  let cut = limited.length;
  for (const marker of ORIGINAL_MESSAGE_MARKERS) {
    const m = marker.exec(limited);
    if (m && m.index < cut && m.index > 0) cut = m.index;
  }
  return limited.slice(0, cut);
}

function htmlText(parsed: ParsedMessage): string {
  if (!parsed.html) return '';
  return dropNonTextElements(parsed.html.slice(0, MAX_NOTICE_CHARS))
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(HTML_TAG, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** True when the message looks like a delivery failure notice (sender, subject or body). */
export function looksLikeBounceNotice(parsed: ParsedMessage): boolean {
  const from = parsed.from?.address ?? parsed.headers.from?.[0] ?? '';
  const fromName = parsed.from?.name ?? '';
  const returnPath = parsed.headers['return-path']?.[0] ?? '';
  const subject = parsed.subject;
  if (parsed.headers['x-failed-recipients']) return true;
  const senderSign = BOUNCE_NOTICE_SIGNS.senders.some((re) => re.test(from) || re.test(fromName));
  const subjectSign = BOUNCE_NOTICE_SIGNS.subjects.some((re) => re.test(subject));
  const nullSender = /^<>$|^<?\s*>?$/.test(returnPath.trim()) && returnPath !== '';
  if (subjectSign && (senderSign || nullSender)) return true;
  if (subjectSign && !/^\s*(re|aw|sv|antw|r|rif|odp|vs)\s*:/i.test(subject)) return true;
  if (senderSign) {
    const notice = noticeText(parsed);
    return BOUNCE_NOTICE_SIGNS.bodies.some((re) => re.test(notice));
  }
  return false;
}

/**
 * Recipients of a non-standard notice: X-Failed-Recipients, else the addresses named in the
 * notice (not the sender's own, not the mailer-daemon's), each with the text that follows it.
 */
export function noticeRecipients(parsed: ParsedMessage): FailedRecipient[] {
  const notice = noticeText(parsed);
  const own = new Set<string>();
  for (const a of parsed.to) own.add(a.address);
  if (parsed.from) own.add(parsed.from.address);
  const originalFrom = parsed.originalHeaders?.from?.[0];
  const originalSender = addressIn(originalFrom);
  if (originalSender) own.add(originalSender);
  const originalTo = parsed.originalHeaders?.to?.join(',') ?? '';

  const listed = (parsed.headers['x-failed-recipients'] ?? [])
    .join(',')
    .split(/[,\s]+/)
    .map((a) => addressIn(a))
    .filter((a): a is string => a !== null);

  // Positions of candidate addresses in the notice.
  const positions: { address: string; index: number }[] = [];
  EMAIL.lastIndex = 0;
  for (const m of notice.matchAll(EMAIL)) {
    const address = m[0].toLowerCase().replace(/\.+$/, '');
    if (own.has(address)) continue;
    if (/^(mailer-daemon|double-bounce|noreply|no-reply)@/i.test(address)) continue;
    positions.push({ address, index: m.index ?? 0 });
    if (positions.length > 1000) break;
  }
  // Role addresses ("contact <postmaster@…>") are recipients only when nothing else is named.
  const named = [...new Set(positions.map((p) => p.address))];
  const people = named.filter((a) => !/^(postmaster|root|abuse|hostmaster)@/i.test(a));
  let recipients = listed.length > 0 ? [...new Set(listed)] : people.length > 0 ? people : named;
  if (recipients.length === 0) {
    // The returned message may be inline after the notice: its To: names the recipient.
    const full = (parsed.plainParts.join('\n') || parsed.text).slice(0, MAX_NOTICE_CHARS);
    const inlineTo = /^To:[ \t]*(.+)$/im.exec(full.slice(notice.length))?.[1];
    const fallback =
      addressIn(originalTo) ?? addressIn(parsed.headers['original-recipient']?.[0]) ?? addressIn(inlineTo);
    if (fallback) recipients = [fallback];
  }
  // Drop addresses that are only part of a message-id or a host name in brackets.
  recipients = recipients.slice(0, MAX_RECIPIENTS);

  // A warning that delivery is still being tried: sisimai and RFC 3464 call it "delayed".
  const delayed =
    /\bdelay(ed)?\b|warning message only|will (continue|keep) (to )?try|still trying/i.test(parsed.subject) ||
    /warning message only|not yet been delivered|delivery (is|has been) delayed|will (continue|keep) (to )?try/i.test(
      notice,
    );
  const segmentOf = segmenter(notice, recipients);
  return recipients.map((recipient) => {
    const segment = segmentOf(recipient);
    return {
      recipient,
      status: findStatus(segment) ?? findStatus(notice),
      action: delayed ? 'delayed' : null,
      diagnostic: segment,
      diagnosticType: null,
    };
  });
}

/**
 * The notice text that speaks about each recipient: from the start of the line of its first
 * mention (a transcript's ">>> RCPT To:<…>" line says which command was refused, unless another
 * recipient is named earlier on that line) to the line that names another recipient, by
 * address or by its own domain alone ("550 example.org (smtp)... Host unknown" in a Sendmail
 * transcript); the whole notice when it is the only recipient or only listed bare. Each
 * recipient's own text matters in qmail/Exim notices that list several failures with
 * different causes. All mentions are found once, so many recipients cost linear time.
 */
export function segmenter(notice: string, all: readonly string[]): (recipient: string) => string {
  if (all.length <= 1) return () => notice;
  const lower = notice.toLowerCase();
  const domainOf = (a: string) => a.slice(a.indexOf('@') + 1);
  const tokens = new Set<string>([...all, ...all.map(domainOf)]);
  const marks: { at: number; token: string }[] = [];
  for (const token of tokens) {
    const isAddress = token.includes('@');
    for (let i = lower.indexOf(token), n = 0; i >= 0 && n < 50; i = lower.indexOf(token, i + 1)) {
      // A domain counts only on its own, not as the tail of a longer name or an address.
      if (!isAddress && i > 0 && /[a-z0-9.@_-]/.test(lower[i - 1]!)) continue;
      marks.push({ at: i, token });
      n++;
    }
  }
  marks.sort((a, b) => a.at - b.at);
  const firstAfter = (at: number) => {
    let lo = 0;
    let hi = marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (recipient) => {
    const mention = lower.indexOf(recipient);
    if (mention < 0) return notice;
    const ownDomain = domainOf(recipient);
    const isOther = (token: string) =>
      token.includes('@') ? token !== recipient : token !== ownDomain && !ownDomain.endsWith(`.${token}`);
    const lineStart = lower.lastIndexOf('\n', mention) + 1;
    let start = lineStart;
    for (let k = firstAfter(lineStart); k < marks.length && marks[k]!.at < mention; k++)
      if (marks[k]!.token.includes('@') && marks[k]!.token !== recipient) start = mention;
    let end = lower.length;
    for (let k = firstAfter(mention + recipient.length); k < marks.length; k++) {
      const mark = marks[k]!;
      if (!isOther(mark.token)) continue;
      // Up to the line that names the next recipient, or to the mention itself on the same line.
      const otherLine = lower.lastIndexOf('\n', mark.at) + 1;
      end = otherLine > mention ? otherLine : mark.at;
      break;
    }
    const segment = notice.slice(start, end);
    // A segment with no words beyond the address (a bare list) gets the whole notice.
    return segment.replace(EMAIL, '').replace(/[\s<>():,.-]/g, '').length < 8 ? notice : segment;
  };
}

export function findStatus(text: string): string | null {
  const m = ENHANCED_STATUS.exec(text);
  if (m && m[1] !== '2') return m[0];
  return null;
}

export function findReplyCode(text: string): string | null {
  return REPLY_CODE.exec(text)?.[1] ?? null;
}

/** Turns read failures into the product's bounce objects (reason, hard/soft, status). */
export function judgeRecipients(failures: readonly FailedRecipient[], context: string): BounceRecipient[] {
  const segmentOf = segmenter(
    context,
    failures.map((f) => f.recipient),
  );
  const lowerContext = context.toLowerCase();
  return failures.map((f) => {
    const segment = segmentOf(f.recipient);
    // A report without a Diagnostic-Code: the notice's words about this recipient, if any.
    const mentioned = segment !== context && lowerContext.includes(f.recipient);
    const diagnostic = f.diagnostic.trim() || (mentioned || f.action === null ? segment : '');
    const status = refineStatus(f.status, diagnostic);
    const reason = reasonFor({
      status,
      diagnostic,
      diagnosticType: f.diagnosticType,
      action: f.action,
      context,
      command: refusedCommand(diagnostic) ?? refusedCommand(segment),
      recipient: f.recipient,
      remoteMta: f.remoteMta ?? null,
    });
    const permanent = status ? status.startsWith('5') : !/^4\d\d\b/.test(diagnostic.trim());
    return {
      type: isHardBounce(reason, permanent) ? 'hard' : 'soft',
      recipient: f.recipient,
      status: status ?? (permanent ? '5.0.0' : '4.0.0'),
      reason,
    };
  });
}

export interface ProviderNotification {
  readonly type: 'bounce' | 'complaint' | 'delivered';
  readonly failures: readonly FailedRecipient[];
  readonly recipients: readonly string[];
}

/**
 * Amazon SES notifications forwarded by e-mail (SNS → e-mail): a JSON body with
 * `notificationType` Bounce, Complaint or Delivery. SNS wraps long lines with "!\n ", which
 * is undone before parsing. Null when the body is not such a notification.
 */
export function providerNotification(parsed: ParsedMessage): ProviderNotification | null {
  const text = (parsed.plainParts.join('\n') || parsed.text).slice(0, MAX_NOTICE_CHARS);
  if (!text.includes('notificationType')) return null;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1).replace(/!\r?\n /g, ''));
    if (isRecord(data) && typeof data.Message === 'string') data = JSON.parse(data.Message);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  const kind = String(data.notificationType ?? data.eventType ?? '').toLowerCase();
  const list = (section: unknown, key: string): Record<string, unknown>[] => {
    const value = isRecord(section) ? section[key] : undefined;
    return Array.isArray(value) ? value.filter(isRecord) : [];
  };
  if (kind === 'bounce') {
    const bounce = data.bounce;
    const permanent = isRecord(bounce) && bounce.bounceType === 'Permanent';
    const failures = list(bounce, 'bouncedRecipients')
      .map((r) => {
        const diag = String(r.diagnosticCode ?? '');
        const type = /^([A-Za-z0-9-]+)\s*;\s*/.exec(diag);
        const status = typeof r.status === 'string' && ENHANCED_STATUS.test(r.status) ? r.status : null;
        return {
          recipient: addressIn(String(r.emailAddress ?? '')) ?? '',
          status: status ?? (permanent ? null : '4.0.0'),
          action: typeof r.action === 'string' ? r.action : 'failed',
          diagnostic: type ? diag.slice(type[0].length) : diag,
          diagnosticType: type ? type[1]!.toLowerCase() : null,
        };
      })
      .filter((f) => f.recipient !== '');
    return { type: 'bounce', failures, recipients: failures.map((f) => f.recipient) };
  }
  if (kind === 'complaint' || kind === 'delivery') {
    const key = kind === 'complaint' ? 'complainedRecipients' : 'recipients';
    const section = kind === 'complaint' ? data.complaint : data.delivery;
    const raw = isRecord(section) ? section[key] : undefined;
    const recipients = (Array.isArray(raw) ? raw : [])
      .map((r) => addressIn(isRecord(r) ? String(r.emailAddress ?? '') : String(r)))
      .filter((a): a is string => a !== null);
    return { type: kind === 'complaint' ? 'complaint' : 'delivered', failures: [], recipients };
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
