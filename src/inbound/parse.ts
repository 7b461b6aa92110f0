/**
 * Raw RFC 5322 bytes → a plain `ParsedMessage` that the pure classifier reads. mailparser
 * decodes headers, bodies and charsets; the raw MIME walker (mime.ts) finds the report parts
 * mailparser hides (`message/delivery-status` lands in its `text`) and the headers of the
 * attached original message. Never throws for bad input: problems are listed on the result.
 */
import { type AddressObject, simpleParser } from 'mailparser';
import {
  headerValue,
  type MimePart,
  parseHeaderBlock,
  type RawHeader,
  splitEntity,
  walkMime,
} from './mime.ts';

export interface MailAddress {
  readonly address: string;
  readonly name: string;
}

export interface ParsedAttachment {
  readonly contentType: string;
  readonly filename: string | null;
  readonly size: number;
  /** Decoded text for text-like parts (reports, rfc822 headers); null for binary parts. */
  readonly text: string | null;
}

export interface ParsedMessage {
  /** Lower-cased header name → its values in order (unfolded, encoded words decoded). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly from: MailAddress | null;
  readonly to: readonly MailAddress[];
  readonly subject: string;
  /** The Date header as an ISO 8601 UTC instant, or null when missing or unreadable. */
  readonly date: string | null;
  readonly contentType: string;
  /** The plain-text body (mailparser's; for reports this includes the report text). */
  readonly text: string;
  readonly html: string | null;
  readonly attachments: readonly ParsedAttachment[];
  /** Body of each `message/delivery-status` part (RFC 3464), in order. */
  readonly deliveryStatus: readonly string[];
  /** Body of each `message/feedback-report` part (RFC 5965 ARF), in order. */
  readonly feedbackReport: readonly string[];
  /** Headers of the returned original message (message/rfc822 or text/rfc822-headers part). */
  readonly originalHeaders: Readonly<Record<string, readonly string[]>> | null;
  /** Text of all text/plain leaf parts in order (no HTML), as the bounce reader wants it. */
  readonly plainParts: readonly string[];
  readonly size: number;
  /** What was wrong with the message while parsing; empty when it parsed cleanly. */
  readonly problems: readonly string[];
}

export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export async function parseMessage(raw: Uint8Array): Promise<ParsedMessage> {
  const problems: string[] = [];
  if (raw.byteLength > MAX_MESSAGE_BYTES) {
    problems.push(
      `message is ${Math.round(raw.byteLength / 1048576)} MB, over the ${MAX_MESSAGE_BYTES / 1048576} MB limit; only the first part is read`,
    );
    raw = raw.subarray(0, MAX_MESSAGE_BYTES);
  }
  const tree = walkMime(raw);
  problems.push(...tree.problems);
  if (tree.headers.length === 0) problems.push('no message headers found');

  let mail: Awaited<ReturnType<typeof simpleParser>> | null = null;
  try {
    mail = await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      maxHtmlLengthToParse: 2 * 1024 * 1024,
    });
  } catch (err) {
    problems.push(`MIME parser failed: ${(err as Error).message}`);
  }

  const headers = headerMap(tree.headers);

  const deliveryStatus: string[] = [];
  const feedbackReport: string[] = [];
  const plainParts: string[] = [];
  let originalHeaders: Record<string, string[]> | null = null;
  const attachments: ParsedAttachment[] = [];
  for (const part of tree.parts) {
    if (
      part.contentType === 'message/delivery-status' ||
      part.contentType === 'message/global-delivery-status'
    )
      deliveryStatus.push(part.text);
    else if (part.contentType === 'message/feedback-report') feedbackReport.push(part.text);
    else if (part.contentType === 'text/plain' && part.depth <= 3 && !part.filename)
      plainParts.push(part.text);
    if (
      !originalHeaders &&
      (part.contentType === 'message/rfc822' ||
        part.contentType === 'text/rfc822-headers' ||
        part.contentType === 'message/global' ||
        part.contentType === 'message/global-headers')
    ) {
      originalHeaders = headersOf(part);
    }
    if (isAttachment(part)) {
      attachments.push({
        contentType: part.contentType,
        filename: part.filename,
        size: part.size,
        text:
          part.contentType.startsWith('message/') || part.contentType.startsWith('text/') ? part.text : null,
      });
    }
  }

  const subject = mail?.subject ?? headers.subject?.[0] ?? '';
  // Our own reading: mailparser substitutes the current time for a missing or bad Date header.
  const date = parseDateHeader(headers.date?.[0]);
  const references = normaliseReferences(mail?.references, headers.references?.[0]);
  const contentType = (headerValue(tree.headers, 'content-type') ?? 'text/plain')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  return {
    headers,
    messageId: cleanId(mail?.messageId ?? headers['message-id']?.[0]),
    inReplyTo: cleanId(mail?.inReplyTo ?? headers['in-reply-to']?.[0]),
    references,
    from: firstAddress(mail?.from) ?? addressFromHeader(headers.from?.[0]),
    to: addressList(mail?.to),
    subject: subject.replace(/\s+/g, ' ').trim(),
    date,
    contentType,
    text: mail?.text ?? plainParts.join('\n'),
    html: typeof mail?.html === 'string' ? mail.html : null,
    attachments,
    deliveryStatus,
    feedbackReport,
    originalHeaders,
    plainParts,
    size: raw.byteLength,
    problems,
  };
}

function isAttachment(part: MimePart): boolean {
  if (part.filename) return true;
  if (part.contentType.startsWith('message/')) return true;
  if (part.contentType === 'text/rfc822-headers') return true;
  return !part.contentType.startsWith('text/') && !part.contentType.startsWith('multipart/');
}

function headersOf(part: MimePart): Record<string, string[]> {
  // A text/rfc822-headers part is only headers; message/rfc822 is a whole message.
  const { headers } = part.contentType.endsWith('headers')
    ? { headers: parseHeaderBlock(part.text) }
    : splitEntity(part.text);
  return headerMap(headers as RawHeader[]);
}

function headerMap(list: readonly RawHeader[]): Record<string, string[]> {
  // No prototype: a header named "constructor" or "__proto__" must stay an ordinary key.
  const out = Object.create(null) as Record<string, string[]>;
  for (const h of list) {
    const values = out[h.name] ?? [];
    values.push(decodeEncodedWords(h.value));
    out[h.name] = values;
  }
  return out;
}

/** RFC 5322 date (comments removed) → ISO UTC instant, or null when absent or unreadable. */
export function parseDateHeader(value: string | undefined): string | null {
  if (!value) return null;
  const cleaned = value
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const ms = Date.parse(cleaned);
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  return iso.startsWith('+') || iso.startsWith('-') ? null : iso;
}

function cleanId(value: string | undefined | null): string | null {
  if (!value) return null;
  const m = /<([^<>\s]+)>/.exec(value);
  const id = (m ? m[1] : value.trim().split(/\s+/)[0]) ?? '';
  return id.length > 0 && id.length < 1000 ? id : null;
}

function normaliseReferences(fromMail: string | string[] | undefined, header: string | undefined): string[] {
  const list = Array.isArray(fromMail) ? fromMail : fromMail ? [fromMail] : [];
  const raw = list.length > 0 ? list.join(' ') : (header ?? '');
  const ids: string[] = [];
  for (const m of raw.matchAll(/<([^<>\s]+)>/g)) if (m[1]) ids.push(m[1]);
  if (ids.length === 0) for (const t of raw.split(/\s+/)) if (t.includes('@')) ids.push(t);
  return ids.slice(0, 100);
}

function firstAddress(obj: AddressObject | undefined): MailAddress | null {
  const first = obj?.value?.[0];
  if (!first?.address) return null;
  return { address: first.address.toLowerCase(), name: first.name ?? '' };
}

function addressList(obj: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objs = Array.isArray(obj) ? obj : obj ? [obj] : [];
  const out: MailAddress[] = [];
  for (const o of objs)
    for (const v of o.value ?? [])
      if (v.address) out.push({ address: v.address.toLowerCase(), name: v.name ?? '' });
  return out;
}

function addressFromHeader(value: string | undefined): MailAddress | null {
  if (!value) return null;
  const m = /<?([^\s<>"]+@[^\s<>"]+)>?/.exec(value);
  return m?.[1] ? { address: m[1].toLowerCase(), name: '' } : null;
}

/** RFC 2047 encoded words (`=?utf-8?B?…?=`); undecodable words are left as they are. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return latin1ToUtf8(value);
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (whole, charset: string, enc: string, data: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) =>
                    String.fromCharCode(Number.parseInt(h, 16)),
                  ),
                'latin1',
              );
        return new TextDecoder(charset.split('*')[0]!.toLowerCase()).decode(bytes);
      } catch {
        return whole;
      }
    });
}

/** Raw 8-bit header bytes were read as latin1; most such headers are UTF-8 in practice. */
function latin1ToUtf8(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: testing for 8-bit bytes
  if (!/[^\x00-\x7f]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}
