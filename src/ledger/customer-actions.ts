/**
 * The customer page's collector actions (issue 7): add a note, log a call (with an optional
 * follow-up task), queue a one-off message from a template through the outbox, and assign a
 * dunning campaign. Each writes its change and its timeline entry in one transaction; bad
 * input changes nothing. docs/workspace-customer.md describes them.
 */
import { loadActiveCampaigns } from '../campaigns/store.ts';
import { resolveTemplate } from '../messages/templates/index.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Tx } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { type CalendarDate, isCalendarDate } from './dates.ts';

/** The outbox campaign and step of a message a person queued (not a campaign step). */
export const ONE_OFF_CAMPAIGN = 'manual';
export const ONE_OFF_STEP = 'one-off';

export const CALL_OUTCOMES = [
  'reached',
  'voicemail',
  'no_answer',
  'wrong_number',
  'promised',
  'refused',
  'other',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

interface CustomerRow {
  id: number;
  name: string;
  language: string | null;
  dunning_paused: boolean;
  paused_until: string | null;
  reply_paused_until: string | null;
  campaign_key: string | null;
}

async function lockCustomer(tx: Tx, externalId: string): Promise<CustomerRow> {
  const [row] = await tx.query<CustomerRow & Record<string, unknown>>(
    `SELECT id, name, language, dunning_paused, paused_until, reply_paused_until, campaign_key
       FROM customers WHERE external_id = $1 FOR UPDATE`,
    [externalId],
  );
  if (!row) throw new NotFoundError(`no customer with external_id "${externalId}"`);
  return row;
}

export interface NoteView {
  id: number;
  customer_external_id: string;
  invoice: string | null;
  author: string;
  body: string;
  created_at: string;
}

/** Adds a note to the customer (optionally about one of its invoices). */
export async function addNote(
  db: Db,
  input: { externalId: string; body: string; invoice?: string | null; actor: string },
): Promise<NoteView> {
  const body = input.body.trim();
  if (!body) throw new UserError('note: body is empty; write the note text');
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, input.externalId);
    let invoiceId: number | null = null;
    if (input.invoice) {
      const [inv] = await tx.query<{ id: number }>(
        'SELECT id FROM invoices WHERE customer_id = $1 AND (number = $2 OR external_id = $2)',
        [customer.id, input.invoice],
      );
      if (!inv)
        throw new UserError(`note: invoice "${input.invoice}" is not one of ${input.externalId}'s invoices`);
      invoiceId = inv.id;
    }
    const [row] = await tx.query<{ id: number; created_at: string }>(
      'INSERT INTO notes (customer_id, invoice_id, author, body) VALUES ($1, $2, $3, $4) RETURNING id, created_at',
      [customer.id, invoiceId, input.actor, body],
    );
    await recordEvent(tx, {
      actor: input.actor,
      customerId: customer.id,
      action: 'note.added',
      entity: 'note',
      entityId: row!.id,
      data: { body, ...(input.invoice ? { invoices: [input.invoice] } : {}) },
    });
    return {
      id: row!.id,
      customer_external_id: input.externalId,
      invoice: input.invoice ?? null,
      author: input.actor,
      body,
      created_at: row!.created_at,
    };
  });
}

export interface CallView {
  id: number;
  customer_external_id: string;
  outcome: CallOutcome;
  contact: string | null;
  note: string;
  next_step: string | null;
  next_step_date: CalendarDate | null;
  task_id: number | null;
  logged_by: string;
  created_at: string;
}

/**
 * Logs a call. With a next-step date (today or later) a `call` task is opened for that day,
 * titled with the next step (or "Follow up with <customer>").
 */
export async function logCall(
  db: Db,
  input: {
    externalId: string;
    outcome: CallOutcome;
    note?: string | null;
    contact?: string | null;
    nextStep?: string | null;
    nextStepDate?: CalendarDate | null;
    actor: string;
    today: CalendarDate;
  },
): Promise<CallView> {
  if (!CALL_OUTCOMES.includes(input.outcome)) {
    throw new UserError(`call: outcome "${input.outcome}" is not one of ${CALL_OUTCOMES.join(', ')}`);
  }
  const nextDate = input.nextStepDate ?? null;
  if (nextDate !== null) {
    if (!isCalendarDate(nextDate))
      throw new UserError(`call: next_step_date "${nextDate}" is not a date (YYYY-MM-DD)`);
    if (nextDate < input.today) {
      throw new UserError(
        `call: next_step_date ${nextDate} is before today (${input.today}); give today or later`,
      );
    }
  }
  const nextStep = input.nextStep?.trim() || null;
  const note = input.note?.trim() ?? '';
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, input.externalId);
    let contactId: number | null = null;
    if (input.contact) {
      const [k] = await tx.query<{ id: number }>(
        'SELECT id FROM contacts WHERE customer_id = $1 AND external_id = $2',
        [customer.id, input.contact],
      );
      if (!k)
        throw new UserError(`call: contact "${input.contact}" is not one of ${input.externalId}'s contacts`);
      contactId = k.id;
    }
    let taskId: number | null = null;
    if (nextDate !== null) {
      const title = (nextStep ?? `Follow up with ${customer.name}`).slice(0, 500);
      const [task] = await tx.query<{ id: number }>(
        `INSERT INTO tasks (customer_id, kind, title, due) VALUES ($1, 'call', $2, $3) RETURNING id`,
        [customer.id, title, nextDate],
      );
      taskId = task!.id;
    }
    const [row] = await tx.query<{ id: number; created_at: string }>(
      `INSERT INTO customer_calls (customer_id, contact_id, outcome, note, next_step, next_step_date, task_id, logged_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at`,
      [customer.id, contactId, input.outcome, note, nextStep, nextDate, taskId, input.actor],
    );
    await recordEvent(tx, {
      actor: input.actor,
      customerId: customer.id,
      action: 'call.logged',
      entity: 'call',
      entityId: row!.id,
      data: {
        outcome: input.outcome,
        ...(note ? { note } : {}),
        ...(input.contact ? { contact: input.contact } : {}),
        ...(nextStep ? { next_step: nextStep } : {}),
        ...(nextDate ? { next_step_date: nextDate, task_id: taskId } : {}),
      },
    });
    return {
      id: row!.id,
      customer_external_id: input.externalId,
      outcome: input.outcome,
      contact: input.contact ?? null,
      note,
      next_step: nextStep,
      next_step_date: nextDate,
      task_id: taskId,
      logged_by: input.actor,
      created_at: row!.created_at,
    };
  });
}

export interface QueuedMessageView {
  id: number;
  customer_external_id: string;
  campaign: string;
  step: string;
  template: string;
  language: string;
  planned_for: CalendarDate;
  status: 'planned';
  to: string[];
  invoices: string[];
  attachments: string[];
}

interface CandidateInvoice {
  id: number;
  number: string;
  external_id: string;
  open_balance: number;
  status: string;
  disputed: boolean;
  on_hold: boolean;
  promised_through: string | null;
}

/** Why R6 keeps an invoice out of a message today, or null when it may be listed. */
function stopReason(inv: CandidateInvoice, today: CalendarDate): string | null {
  if (inv.status !== 'open' || inv.open_balance <= 0) return 'is paid or void';
  if (inv.disputed) return 'is disputed';
  if (inv.on_hold) return 'is on hold';
  if (inv.promised_through !== null && inv.promised_through >= today) {
    return `is covered by a promise to pay until ${inv.promised_through}`;
  }
  return null;
}

/**
 * Queues one message from a template for the customer now (planned for today), through the
 * outbox like every other message, so the sender renders and sends it and its paid check
 * (R6, repeated just before sending) drops invoices paid in between and cancels the message
 * when none is left. Recipients follow R7 (contacts that receive dunning, with a deliverable
 * address). A message that lists invoices follows R6 when queued: the customer's dunning must
 * not be paused, and each listed invoice must be open, undisputed, not on hold and not under
 * an open promise; without `invoices`, every such invoice of the customer is listed.
 * It is not a dunning-campaign message, so R5's throttle neither holds nor counts it.
 */
export async function queueOneOffMessage(
  db: Db,
  input: {
    externalId: string;
    template: string;
    /** default: the customer's language, else the organisation's */
    language?: string | null;
    /** invoice numbers; [] = a message about no invoice; undefined = every invoice R6 allows */
    invoices?: readonly string[] | undefined;
    attachInvoices?: boolean;
    actor: string;
    today: CalendarDate;
  },
): Promise<QueuedMessageView> {
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, input.externalId);
    const [org] = await tx.query<{ language: string }>('SELECT language FROM organisation WHERE id = 1');
    const template = await resolveTemplate(
      tx,
      input.template,
      input.language ?? customer.language,
      org?.language ?? 'en',
    );
    if (!template) {
      throw new UserError(
        `message: there is no template "${input.template}"; GET /api/v1/templates lists the keys`,
      );
    }
    const candidates = await tx.query<CandidateInvoice & Record<string, unknown>>(
      `SELECT i.id, i.number, i.external_id, i.open_balance, i.status, i.disputed, i.on_hold,
              (SELECT max(p.promised_date + p.grace_days) FROM promises p
                WHERE p.invoice_id = i.id AND p.status = 'open') AS promised_through
         FROM invoices i
        WHERE i.customer_id = $1 AND ($2::text[] IS NULL OR i.number = ANY ($2::text[]) OR i.external_id = ANY ($2::text[]))
        ORDER BY i.due_date, i.id`,
      [customer.id, input.invoices ? [...input.invoices] : null],
    );
    let listed: CandidateInvoice[];
    if (input.invoices === undefined) {
      listed = candidates.filter((inv) => stopReason(inv, input.today) === null);
    } else {
      listed = [];
      for (const wanted of new Set(input.invoices)) {
        const inv = candidates.find((c) => c.number === wanted || c.external_id === wanted);
        if (!inv)
          throw new UserError(`message: invoice "${wanted}" is not one of ${input.externalId}'s invoices`);
        const reason = stopReason(inv, input.today);
        if (reason)
          throw new UserError(`message: invoice ${inv.number} ${reason}, so R6 keeps it out of messages`);
        if (!listed.includes(inv)) listed.push(inv);
      }
    }
    if (listed.length > 0) {
      const pausedUntil = [customer.paused_until, customer.reply_paused_until].filter(
        (d): d is string => d !== null && d > input.today,
      );
      if (customer.dunning_paused || pausedUntil.length > 0) {
        throw new UserError(
          `message: dunning for ${input.externalId} is paused${pausedUntil.length ? ` until ${pausedUntil.sort().at(-1)}` : ''}; ` +
            'resume it first, or send a message that lists no invoice',
        );
      }
    }
    const to = await tx.query<{ id: number; name: string; email: string }>(
      `SELECT id, name, btrim(email) AS email FROM contacts
        WHERE customer_id = $1 AND receives_dunning AND email_status = 'ok' AND coalesce(btrim(email), '') <> ''
        ORDER BY id`,
      [customer.id],
    );
    const seen = new Set<string>();
    const recipients = to.filter((r) => !seen.has(r.email.toLowerCase()) && seen.add(r.email.toLowerCase()));
    if (recipients.length === 0) {
      throw new UserError(
        `message: ${input.externalId} has no contact that receives dunning with a deliverable address; add or fix a contact first`,
      );
    }
    const attach = input.attachInvoices && listed.length > 0 ? ['invoice'] : [];
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                    to_recipients, attach)
       VALUES ($1, $2, $3, $4, $5, false, $6, $7, $8) RETURNING id`,
      [
        customer.id,
        ONE_OFF_CAMPAIGN,
        ONE_OFF_STEP,
        input.template,
        template.language,
        input.today,
        JSON.stringify(recipients.map((r) => ({ contactId: r.id, name: r.name, email: r.email }))),
        attach,
      ],
    );
    const id = row!.id;
    for (const [position, inv] of listed.entries()) {
      await tx.execute(
        `INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, inv.id, position, ONE_OFF_STEP, inv.open_balance],
      );
    }
    const numbers = listed.map((i) => i.number);
    await recordEvent(tx, {
      actor: input.actor,
      customerId: customer.id,
      action: 'message.queued',
      entity: 'outbox_message',
      entityId: id,
      data: {
        template: input.template,
        language: template.language,
        to: recipients.map((r) => r.email),
        invoices: numbers,
      },
    });
    return {
      id,
      customer_external_id: input.externalId,
      campaign: ONE_OFF_CAMPAIGN,
      step: ONE_OFF_STEP,
      template: input.template,
      language: template.language,
      planned_for: input.today,
      status: 'planned',
      to: recipients.map((r) => r.email),
      invoices: numbers,
      attachments: attach.length ? numbers.map((n) => `${n}.pdf`) : [],
    };
  });
}

export interface CampaignAssignmentView {
  customer_external_id: string;
  /** the assigned dunning campaign; null = R1's audience match decides */
  campaign: string | null;
  previous: string | null;
}

/**
 * Assigns the customer to a dunning campaign of the active set (not an event campaign), or
 * with null returns it to R1's audience match.
 */
export async function assignCampaign(
  db: Db,
  input: { externalId: string; campaign: string | null; actor: string },
): Promise<CampaignAssignmentView> {
  const active = await loadActiveCampaigns(db);
  if (input.campaign !== null) {
    const found = active?.campaigns.find((c) => c.key === input.campaign);
    const dunning = (active?.campaigns ?? []).filter((c) => c.trigger === undefined).map((c) => c.key);
    if (!found || found.trigger !== undefined) {
      throw new UserError(
        `campaign: "${input.campaign}" is not a dunning campaign of the active set; choose one of ${dunning.join(', ') || '(none: apply a campaign file first)'}`,
      );
    }
  }
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, input.externalId);
    if (customer.campaign_key !== input.campaign) {
      await tx.execute('UPDATE customers SET campaign_key = $2, updated_at = now() WHERE id = $1', [
        customer.id,
        input.campaign,
      ]);
      await recordEvent(tx, {
        actor: input.actor,
        customerId: customer.id,
        action: 'customer.campaign_changed',
        entity: 'customer',
        entityId: input.externalId,
        data: { from: customer.campaign_key, to: input.campaign },
      });
    }
    return {
      customer_external_id: input.externalId,
      campaign: input.campaign,
      previous: customer.campaign_key,
    };
  });
}
