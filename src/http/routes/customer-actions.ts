import { z } from 'zod';
import {
  addNote,
  assignCampaign,
  CALL_OUTCOMES,
  logCall,
  queueOneOffMessage,
} from '../../ledger/customer-actions.ts';
import { customerSummary } from '../../ledger/customer-summary.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, ExternalIdParam, Instant, Money } from '../schemas.ts';

const PATH = '/api/v1/customers/:external_id';
const errors = { 400: ErrorBody, 404: ErrorBody, 422: ErrorBody };

const RiskSchema = z
  .object({
    level: z.enum(['low', 'medium', 'high']),
    score: z.number().int(),
    factors: z.array(
      z.object({
        factor: z.enum(['days_late', 'overdue_share', 'broken_promises', 'disputes', 'bounces']),
        points: z.number().int(),
        value: z.number(),
      }),
    ),
  })
  .meta({
    id: 'CustomerRisk',
    description: 'Rule: docs/domain-guide.md, "A customer’s average days late and risk"',
  });

const SummarySchema = z
  .object({
    customer_external_id: z.string(),
    as_of: CalendarDateSchema,
    open_balance: z.record(z.string(), Money),
    overdue: z.record(z.string(), Money),
    avg_days_late: z.number().nullable().meta({
      description: 'Amount-weighted mean days late of invoices closed in the 12 months ending as_of',
    }),
    paid_invoices_12m: z.number().int(),
    broken_promises_12m: z.number().int(),
    open_disputes: z.number().int(),
    bounced_contacts: z.number().int(),
    risk: RiskSchema,
    campaign: z
      .string()
      .nullable()
      .meta({ description: 'Assigned dunning campaign; null = audience rules (R1)' }),
    campaigns: z.array(z.object({ key: z.string(), name: z.string() })),
  })
  .meta({ id: 'CustomerSummary' });

const NoteSchema = z
  .object({
    id: z.number().int(),
    customer_external_id: z.string(),
    invoice: z.string().nullable(),
    author: z.string(),
    body: z.string(),
    created_at: Instant,
  })
  .meta({ id: 'Note' });

const CallSchema = z
  .object({
    id: z.number().int(),
    customer_external_id: z.string(),
    outcome: z.enum(CALL_OUTCOMES),
    contact: z.string().nullable(),
    note: z.string(),
    next_step: z.string().nullable(),
    next_step_date: CalendarDateSchema.nullable(),
    task_id: z.number().int().nullable(),
    logged_by: z.string(),
    created_at: Instant,
  })
  .meta({ id: 'CallLog' });

const QueuedMessageSchema = z
  .object({
    id: z.number().int(),
    customer_external_id: z.string(),
    campaign: z.string(),
    step: z.string(),
    template: z.string(),
    language: z.string(),
    planned_for: CalendarDateSchema,
    status: z.literal('planned'),
    to: z.array(z.string()),
    invoices: z.array(z.string()),
    attachments: z.array(z.string()),
  })
  .meta({ id: 'QueuedMessage' });

/** The customer page: its header figures and the collector actions beyond promises, disputes and pauses. */
export default async function customerActions(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    `${PATH}/summary`,
    {
      schema: {
        tags: ['customers'],
        summary: 'A customer’s header figures and risk',
        description:
          'Open balance and overdue per currency, average days late (amount-weighted, invoices closed in the 12 ' +
          'months ending as_of), broken promises, open disputes, bounced contacts, the risk level with the signals ' +
          'that scored, and the campaign assignment.',
        params: ExternalIdParam,
        querystring: z.object({ as_of: CalendarDateSchema.optional() }),
        response: { 200: SummarySchema, ...errors },
      },
    },
    async (request) =>
      customerSummary(deps.db, request.params.external_id, request.query.as_of ?? (await deps.today())),
  );

  app.post(
    `${PATH}/notes`,
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['customers'],
        summary: 'Add a note',
        description:
          'A note on the customer (optionally about one of its invoices); it appears on the timeline.',
        params: ExternalIdParam,
        body: z.object({
          body: z.string().min(1).max(10000),
          invoice: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: 'Invoice number or external_id' }),
        }),
        response: { 201: NoteSchema, ...errors },
      },
    },
    async (request, reply) => {
      const note = await addNote(deps.db, {
        externalId: request.params.external_id,
        body: request.body.body,
        invoice: request.body.invoice ?? null,
        actor: request.actor,
      });
      return reply.code(201).send(note);
    },
  );

  app.post(
    `${PATH}/calls`,
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['customers'],
        summary: 'Log a call',
        description:
          'The outcome and notes of a call. With next_step_date (today or later) a call task is opened for that ' +
          'day, titled with next_step.',
        params: ExternalIdParam,
        body: z.object({
          outcome: z.enum(CALL_OUTCOMES),
          note: z.string().max(10000).optional(),
          contact: z.string().min(1).max(200).optional().meta({ description: 'The contact’s external_id' }),
          next_step: z.string().max(500).optional(),
          next_step_date: CalendarDateSchema.optional(),
        }),
        response: { 201: CallSchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const call = await logCall(deps.db, {
        externalId: request.params.external_id,
        outcome: b.outcome,
        note: b.note ?? null,
        contact: b.contact ?? null,
        nextStep: b.next_step ?? null,
        nextStepDate: b.next_step_date ?? null,
        actor: request.actor,
        today: await deps.today(),
      });
      return reply.code(201).send(call);
    },
  );

  app.post(
    `${PATH}/messages`,
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['customers'],
        summary: 'Queue a one-off message from a template',
        description:
          'Queues one message for today through the outbox (campaign "manual", step "one-off"); the sender ' +
          'sends it and repeats the paid check just before. Recipients: the contacts that receive dunning with a ' +
          'deliverable address. Listed invoices must be open, undisputed, not on hold and not under an open ' +
          'promise, and the customer not paused (R6); without `invoices` every such invoice is listed.',
        params: ExternalIdParam,
        body: z.object({
          template: z.string().min(1).max(100),
          language: z.string().min(2).max(10).optional(),
          invoices: z.array(z.string().min(1).max(200)).max(500).optional(),
          attach_invoices: z.boolean().optional(),
        }),
        response: { 201: QueuedMessageSchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const message = await queueOneOffMessage(deps.db, {
        externalId: request.params.external_id,
        template: b.template,
        language: b.language ?? null,
        invoices: b.invoices,
        attachInvoices: b.attach_invoices ?? false,
        actor: request.actor,
        today: await deps.today(),
      });
      return reply.code(201).send(message);
    },
  );

  app.put(
    `${PATH}/campaign`,
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['customers'],
        summary: 'Assign a dunning campaign',
        description:
          'Puts the customer in a dunning campaign of the active set whatever the audience rules say; null ' +
          'returns it to the audience rules (R1).',
        params: ExternalIdParam,
        body: z.object({ campaign: z.string().min(1).max(100).nullable() }),
        response: {
          200: z
            .object({
              customer_external_id: z.string(),
              campaign: z.string().nullable(),
              previous: z.string().nullable(),
            })
            .meta({ id: 'CampaignAssignment' }),
          ...errors,
        },
      },
    },
    async (request) =>
      assignCampaign(deps.db, {
        externalId: request.params.external_id,
        campaign: request.body.campaign,
        actor: request.actor,
      }),
  );
}
