/**
 * Builds the raw RFC 5322 message for an outbox message: one builder for both paths (SMTP and
 * the mail catcher), so what the catcher shows is byte for byte what SMTP would have carried.
 * MIME, encoded words and the DKIM signature are nodemailer's (a stream transport that only
 * builds); what goes into each header is decided here, from values made single-line first.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { DunwellConfig } from '../../platform/config.ts';
import { UserError } from '../../platform/errors.ts';
import { oneLine } from './policy.ts';

export interface Recipient {
  readonly name: string;
  readonly email: string;
}

export interface Attachment {
  readonly fileName: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

export interface OutgoingMessage {
  readonly from: { readonly name: string; readonly address: string } | string;
  readonly to: readonly Recipient[];
  readonly cc: readonly Recipient[];
  readonly subject: string;
  /** null = a plain-text message (system mail without an HTML body) */
  readonly html: string | null;
  readonly text: string;
  readonly attachments: readonly Attachment[];
  /** with angle brackets */
  readonly messageId: string;
  /** `ar+<token>@domain`; null = no Reply-To */
  readonly replyTo: string | null;
  readonly inReplyTo: string | null;
  readonly references: string | null;
  readonly date: Date;
  /** `key.language@version`, for whoever reads the raw message */
  readonly template: string;
}

export interface BuiltMessage {
  readonly raw: Buffer;
  readonly envelope: { readonly from: string; readonly to: string[] };
}

export interface MessageBuilder {
  build(message: OutgoingMessage): Promise<BuiltMessage>;
  /** the domain Message-IDs are made in */
  readonly idDomain: string;
  /** the From header when DUNWELL_MAIL_FROM is not set */
  defaultFrom(organisationName: string): { name: string; address: string };
  /** Reply-To for a token, or null when no reply domain is configured */
  replyAddress(token: string): string | null;
}

/** A fresh Message-ID in our domain, with angle brackets. */
export function newMessageId(domain: string): string {
  return `<${randomUUID()}@${domain}>`;
}

/** An unguessable reply token: 128 random bits as lower-case hex (mail systems may lower-case local parts). */
export function newReplyToken(): string {
  return randomBytes(16).toString('hex');
}

/** Reads the DKIM private key once; a missing or unreadable file is one clear error. */
export function readDkimKey(keyFile: string): string {
  let pem: string;
  try {
    pem = readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new UserError(
      `DUNWELL_DKIM_KEY_FILE ${keyFile}: cannot read it (${(err as NodeJS.ErrnoException).code})`,
    );
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    throw new UserError(
      `DUNWELL_DKIM_KEY_FILE ${keyFile}: not a PEM private key (make one with "dunwell dkim generate")`,
    );
  }
  return pem;
}

export function createMessageBuilder(config: DunwellConfig): MessageBuilder {
  const dkim = config.dkim
    ? {
        domainName: config.dkim.domain,
        keySelector: config.dkim.selector,
        privateKey: readDkimKey(config.dkim.keyFile),
      }
    : undefined;
  const mailer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    ...(dkim ? { dkim } : {}),
  });
  const idDomain = config.dkim?.domain ?? config.replyDomain ?? 'dunwell.invalid';
  return {
    idDomain,
    defaultFrom(organisationName) {
      return {
        name: oneLine(organisationName),
        address: `billing@${config.replyDomain ?? 'example.invalid'}`,
      };
    },
    replyAddress(token) {
      return config.replyDomain ? `${config.replyLocalPart}+${token}@${config.replyDomain}` : null;
    },
    async build(message) {
      const address = (r: Recipient) => ({ name: oneLine(r.name), address: oneLine(r.email) });
      const headers: Record<string, string> = {
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All',
        'X-Dunwell-Template': oneLine(message.template),
      };
      const info = await mailer.sendMail({
        from:
          typeof message.from === 'string'
            ? oneLine(message.from)
            : { name: oneLine(message.from.name), address: oneLine(message.from.address) },
        to: message.to.map(address),
        cc: message.cc.map(address),
        subject: oneLine(message.subject),
        text: message.text,
        ...(message.html !== null ? { html: message.html } : {}),
        messageId: oneLine(message.messageId),
        date: message.date,
        ...(message.replyTo ? { replyTo: oneLine(message.replyTo) } : {}),
        ...(message.inReplyTo ? { inReplyTo: oneLine(message.inReplyTo) } : {}),
        ...(message.references ? { references: oneLine(message.references) } : {}),
        headers,
        attachments: message.attachments.map((a) => ({
          filename: oneLine(a.fileName),
          content: a.bytes,
          contentType: a.contentType,
        })),
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const raw = info.message as Buffer;
      const envelope = info.envelope as { from: string | false; to: string[] };
      return { raw, envelope: { from: envelope.from || '', to: envelope.to } };
    },
  };
}
