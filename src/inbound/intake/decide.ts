/**
 * The pure half of the intake: which clues in a message point to a thread, and what a
 * classified message should change. No clock, no database: the shell (process.ts) loads the
 * facts, calls these functions and writes their decisions in one transaction.
 */
import type { CalendarDate } from '../../ledger/dates.ts';
import type { Classification, ParsedMessage } from '../index.ts';

/** Where a thread may be found, in the order the shell tries them (PRODUCT §6, brief 5.2). */
export interface ThreadClues {
  /** Reply-To tokens from `<local>+<token>@<reply domain>` addresses the message was sent to. */
  readonly tokens: readonly string[];
  /** Message-IDs (without angle brackets) this message answers or returns, best first. */
  readonly referencedIds: readonly string[];
  /** Lower-cased addresses that identify the customer's side: the sender, or for bounces and
   * complaints the failed / complaining recipients. */
  readonly addresses: readonly string[];
}

const TOKEN_HEADERS = ['to', 'cc', 'delivered-to', 'x-original-to', 'envelope-to', 'x-forwarded-to'];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Tokens of our Reply-To addresses. A reply goes TO `ar+<token>@domain`; a bounce carries
 * the token in the Reply-To of the returned original. With no reply domain configured any
 * domain is accepted (the local part and the token shape still have to match).
 */
export function replyTokens(
  values: readonly string[],
  reply: { localPart: string; domain: string | null },
): string[] {
  const re = new RegExp(
    `(?:^|[\\s<,;:"'(])${escapeRegExp(reply.localPart)}\\+([A-Za-z0-9_-]{1,100})@([A-Za-z0-9.-]+)`,
    'gi',
  );
  const out: string[] = [];
  for (const value of values) {
    for (const m of value.matchAll(re)) {
      const domain = m[2]!.toLowerCase().replace(/\.$/, '');
      if (reply.domain !== null && domain !== reply.domain) continue;
      if (!out.includes(m[1]!)) out.push(m[1]!);
    }
  }
  return out;
}

function bareId(value: string): string | null {
  const m = /<([^<>\s]+)>/.exec(value);
  const id = (m ? m[1] : value.trim().split(/\s+/)[0]) ?? '';
  return id.length > 0 && id.length < 1000 ? id : null;
}

export function threadClues(
  parsed: ParsedMessage,
  classification: Classification,
  reply: { localPart: string; domain: string | null },
): ThreadClues {
  const headerValues = TOKEN_HEADERS.flatMap((h) => parsed.headers[h] ?? []);
  const original = parsed.originalHeaders;
  const originalValues = original
    ? ['reply-to', 'from', 'return-path', 'sender'].flatMap((h) => original[h] ?? [])
    : [];
  const tokens = replyTokens([...headerValues, ...originalValues], reply);

  const ids: string[] = [];
  const add = (id: string | null | undefined) => {
    if (id && !ids.includes(id)) ids.push(id);
  };
  add(parsed.inReplyTo);
  // References lists the oldest first; the newest is the message answered most directly.
  for (const id of [...parsed.references].reverse()) add(id);
  for (const v of original?.['message-id'] ?? []) add(bareId(v));
  for (const v of original?.['in-reply-to'] ?? []) add(bareId(v));

  let addresses: string[];
  if (classification.kind === 'bounce') addresses = (classification.bounces ?? []).map((b) => b.recipient);
  else if (classification.kind === 'complaint')
    addresses = [...(classification.details.complainedRecipients ?? [])];
  else if (classification.kind === 'delivered')
    addresses = [...(classification.details.deliveredRecipients ?? [])];
  else addresses = parsed.from ? [parsed.from.address] : [];
  addresses = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@')))];
  return { tokens, referencedIds: ids, addresses };
}

/** A contact whose address a bounce or complaint names. */
export interface ContactFact {
  readonly id: number;
  readonly customerId: number;
  readonly email: string;
  readonly emailStatus: 'ok' | 'bounced' | 'complained';
}

export interface EffectFacts {
  readonly messageId: number;
  readonly classification: Classification;
  /** The threaded customer, or null when unassigned. */
  readonly customer: { id: number; replyPausedUntil: CalendarDate | null } | null;
  /** Contacts per lower-cased address named by a bounce or complaint. */
  readonly contactsByAddress: ReadonlyMap<string, readonly ContactFact[]>;
  /** Soft bounces per lower-cased address in the 14 days before this message (not undone). */
  readonly recentSoftBounces: ReadonlyMap<string, number>;
  /** The organisation's today. */
  readonly today: CalendarDate;
  /** R9: how many days a human reply pauses dunning. */
  readonly replyPauseDays: number;
  /** Replies: open invoices of the thread (numbers), for a proposed promise or dispute. */
  readonly openInvoices: readonly string[];
  /** Auto-replies: the return date stated in the text, if any. */
  readonly returnDate: CalendarDate | null;
}

export type PlannedEffect =
  | {
      readonly type: 'contact_status';
      readonly contact: ContactFact;
      readonly to: 'bounced' | 'complained';
      readonly why: string;
    }
  | {
      readonly type: 'soft_bounce';
      readonly address: string;
      readonly customerId: number | null;
      readonly status: string;
      readonly reason: string;
      readonly countIn14Days: number;
    }
  | {
      readonly type: 'task';
      readonly customerId: number;
      readonly kind: 'check_contact' | 'reply';
      readonly title: string;
      readonly due: CalendarDate;
    }
  | { readonly type: 'reply_pause'; readonly customerId: number; readonly until: CalendarDate };

export type Proposal =
  | {
      readonly type: 'promise';
      readonly invoices: readonly string[];
      readonly promised_date: CalendarDate | null;
    }
  | { readonly type: 'dispute'; readonly invoices: readonly string[]; readonly reason: string };

export interface EffectDecision {
  readonly effects: readonly PlannedEffect[];
  readonly proposal: Proposal | null;
  /** What the timeline and the processing result say besides the effects. */
  readonly notes: readonly string[];
  /** Timeline data of the message event ('inbound.<kind>'). */
  readonly summary: Record<string, unknown>;
}

/** A soft bounce to an address that already soft-bounced this often in 14 days is hard. */
export const SOFT_BOUNCES_BEFORE_HARD = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 14;

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const INTENT_WORDS: Record<string, string> = {
  promise_to_pay: 'promises to pay',
  dispute: 'disputes',
  paid: 'says it has already paid',
  wrong_contact: 'says it is the wrong contact',
  question: 'asks a question',
  other: 'replied',
};

/** What a classified message changes (PRODUCT §6 effects, R7, R9). */
export function decideEffects(f: EffectFacts): EffectDecision {
  const c = f.classification;
  const effects: PlannedEffect[] = [];
  const notes: string[] = [...c.details.problems];
  const summary: Record<string, unknown> = { inbound_message_id: f.messageId, kind: c.kind };
  let proposal: Proposal | null = null;

  if (c.kind === 'bounce') {
    const bounces = c.bounces ?? [];
    summary.bounces = bounces;
    for (const b of bounces) {
      const address = b.recipient.toLowerCase();
      const contacts = (f.contactsByAddress.get(address) ?? []).filter(
        (k) => f.customer === null || k.customerId === f.customer.id,
      );
      if (contacts.length === 0) {
        notes.push(
          `bounce for ${address}: no contact has this address (Dunwell never mailed it); nothing changed`,
        );
        continue;
      }
      const softBefore = f.recentSoftBounces.get(address) ?? 0;
      let hard = b.type === 'hard';
      if (!hard) {
        effects.push({
          type: 'soft_bounce',
          address,
          customerId: contacts[0]!.customerId,
          status: b.status,
          reason: b.reason,
          countIn14Days: softBefore + 1,
        });
        if (softBefore + 1 >= SOFT_BOUNCES_BEFORE_HARD) {
          hard = true;
          notes.push(
            `${address}: soft bounce ${softBefore + 1} in ${SOFT_BOUNCE_WINDOW_DAYS} days, treated as a hard bounce`,
          );
        }
      }
      if (!hard) continue;
      const why =
        b.type === 'hard'
          ? `hard bounce ${b.status} (${b.reason})`
          : `${softBefore + 1} soft bounces in ${SOFT_BOUNCE_WINDOW_DAYS} days, last ${b.status} (${b.reason})`;
      for (const contact of contacts) {
        if (contact.emailStatus !== 'ok') {
          notes.push(`${address} is already marked ${contact.emailStatus}`);
          continue;
        }
        effects.push({ type: 'contact_status', contact, to: 'bounced', why });
      }
      for (const customerId of new Set(contacts.map((k) => k.customerId))) {
        effects.push({
          type: 'task',
          customerId,
          kind: 'check_contact',
          title: `Check contact ${address}: ${why}`,
          due: f.today,
        });
      }
    }
  } else if (c.kind === 'complaint') {
    const recipients = c.details.complainedRecipients ?? [];
    summary.feedback_type = c.details.feedbackType ?? null;
    summary.recipients = recipients;
    if (recipients.length === 0) notes.push('complaint names no recipient; nothing suppressed');
    for (const address of recipients) {
      const contacts = (f.contactsByAddress.get(address.toLowerCase()) ?? []).filter(
        (k) => f.customer === null || k.customerId === f.customer.id,
      );
      if (contacts.length === 0) notes.push(`complaint about ${address}: no contact has this address`);
      for (const contact of contacts) {
        if (contact.emailStatus === 'complained') continue;
        effects.push({
          type: 'contact_status',
          contact,
          to: 'complained',
          why: `complaint (${c.details.feedbackType ?? 'abuse'}): no more mail to this address`,
        });
      }
    }
  } else if (c.kind === 'auto_reply') {
    summary.evidence = c.details.autoReplyEvidence ?? null;
    summary.return_date = f.returnDate;
  } else if (c.kind === 'delivered') {
    summary.recipients = c.details.deliveredRecipients ?? [];
  } else if (c.kind === 'reply' && c.reply) {
    summary.intent = c.reply.intent;
    summary.promised_date = c.reply.promised_date;
    summary.text = (c.details.replyText ?? '').slice(0, 2000);
    if (f.customer) {
      const until = addDays(f.today, f.replyPauseDays);
      if (
        f.replyPauseDays > 0 &&
        (f.customer.replyPausedUntil === null || f.customer.replyPausedUntil < until)
      )
        effects.push({ type: 'reply_pause', customerId: f.customer.id, until });
      effects.push({
        type: 'task',
        customerId: f.customer.id,
        kind: 'reply',
        title: `Read the reply: the customer ${INTENT_WORDS[c.reply.intent] ?? 'replied'}${
          c.reply.promised_date ? ` (by ${c.reply.promised_date})` : ''
        }`,
        due: f.today,
      });
      if (f.openInvoices.length > 0) {
        if (c.reply.intent === 'promise_to_pay')
          proposal = { type: 'promise', invoices: f.openInvoices, promised_date: c.reply.promised_date };
        else if (c.reply.intent === 'dispute')
          proposal = {
            type: 'dispute',
            invoices: f.openInvoices,
            reason: `customer reply: ${(c.details.intentEvidence ?? 'dispute').replace(/^\w+:\w+: /, '')}`,
          };
      } else if (c.reply.intent === 'promise_to_pay' || c.reply.intent === 'dispute') {
        notes.push('the customer has no open invoice to attach a promise or dispute to');
      }
    }
  }
  if (!f.customer && (c.kind === 'reply' || c.kind === 'auto_reply'))
    notes.push('no customer found for this message: it is in the unassigned list');
  return { effects, proposal, notes, summary };
}
