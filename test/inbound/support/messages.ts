/**
 * Raw messages for the intake suites, built the way customers' mail clients and mail servers
 * write them: a reply, an RFC 3464 bounce (with the returned original's headers), an ARF
 * complaint and an auto-reply. CRLF line ends, as on the wire.
 */
const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

export interface ReplyOptions {
  from: string;
  to?: string;
  messageId: string;
  inReplyTo?: string;
  subject?: string;
  body: string;
  date?: string;
}

export function replyMessage(o: ReplyOptions): string {
  return crlf([
    `From: ${o.from}`,
    `To: ${o.to ?? 'ar@acme.example'}`,
    `Subject: ${o.subject ?? 'Re: Payment reminder INV-1001'}`,
    `Date: ${o.date ?? 'Tue, 10 Mar 2026 09:15:00 +0100'}`,
    `Message-ID: <${o.messageId}>`,
    ...(o.inReplyTo ? [`In-Reply-To: <${o.inReplyTo}>`, `References: <${o.inReplyTo}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body,
  ]);
}

export interface BounceOptions {
  recipient: string;
  status: string;
  diagnostic: string;
  messageId: string;
  /** Headers of the returned original (Reply-To with the token, Message-ID as sent). */
  originalMessageId?: string;
  originalReplyTo?: string;
  to?: string;
}

export function bounceMessage(o: BounceOptions): string {
  return crlf([
    'From: MAILER-DAEMON@mx.acme.example (Mail Delivery System)',
    `To: ${o.to ?? 'billing@acme.example'}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Date: Wed, 11 Mar 2026 08:00:00 +0000',
    `Message-ID: <${o.messageId}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.acme.example.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${o.recipient}>: ${o.diagnostic}`,
    '',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.acme.example',
    '',
    `Final-Recipient: rfc822; ${o.recipient}`,
    `Original-Recipient: rfc822; ${o.recipient}`,
    `Action: ${o.status.startsWith('5') ? 'failed' : 'failed'}`,
    `Status: ${o.status}`,
    `Diagnostic-Code: smtp; ${o.diagnostic}`,
    '',
    '--BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Acme AR <billing@acme.example>',
    `To: ${o.recipient}`,
    ...(o.originalReplyTo ? [`Reply-To: ${o.originalReplyTo}`] : []),
    ...(o.originalMessageId ? [`Message-ID: <${o.originalMessageId}>`] : []),
    'Subject: Payment reminder INV-1001',
    '',
    '--BOUNDARY--',
  ]);
}

export function complaintMessage(o: {
  recipient: string;
  messageId: string;
  originalMessageId?: string;
}): string {
  return crlf([
    'From: abuse@isp.example',
    'To: billing@acme.example',
    'Subject: Abuse report',
    'Date: Wed, 11 Mar 2026 08:00:00 +0000',
    `Message-ID: <${o.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    '',
    '--ARF',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report.',
    '--ARF',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: isp-fbl/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${o.recipient}`,
    '',
    '--ARF',
    'Content-Type: text/rfc822-headers',
    '',
    'From: billing@acme.example',
    `To: ${o.recipient}`,
    ...(o.originalMessageId ? [`Message-ID: <${o.originalMessageId}>`] : []),
    'Subject: Payment reminder',
    '',
    '--ARF--',
  ]);
}

export function autoReplyMessage(o: { from: string; messageId: string; inReplyTo?: string }): string {
  return crlf([
    `From: ${o.from}`,
    'To: ar@acme.example',
    'Subject: Out of office: Payment reminder INV-1001',
    'Date: Tue, 10 Mar 2026 09:15:00 +0000',
    `Message-ID: <${o.messageId}>`,
    ...(o.inReplyTo ? [`In-Reply-To: <${o.inReplyTo}>`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'I am out of the office until 20 March 2026 with no access to email.',
  ]);
}
