import { z } from 'zod';
import { activePromiseGraceDays } from '../../campaigns/store.ts';
import { openDispute, resolveDispute } from '../../ledger/disputes.ts';
import { pauseCustomer, resumeCustomer } from '../../ledger/pause.ts';
import { createPromise } from '../../ledger/promises.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, ExternalIdParam, Instant, Money } from '../schemas.ts';

const NumberParam = z.object({
  number: z.string().min(1).max(200).meta({ description: 'The invoice number' }),
});

const DisputeSchema = z
  .object({
    id: z.number().int().nullable(),
    invoice: z.string(),
    customer_external_id: z.string(),
    status: z.enum(['open', 'resolved']),
    reason: z.string(),
    note: z.string().nullable(),
    opened_by: z.string(),
    opened_at: Instant,
    resolved_by: z.string().nullable(),
    resolved_at: Instant.nullable(),
  })
  .meta({ id: 'Dispute' });

const PromiseSchema = z
  .object({
    id: z.number().int(),
    invoice: z.string(),
    customer_external_id: z.string(),
    promised_date: CalendarDateSchema,
    amount: Money.nullable(),
    currency: z.string(),
    status: z.enum(['open', 'kept', 'partial', 'broken']),
    grace_days: z.number().int(),
    promised_through: CalendarDateSchema,
    created_by: z.string(),
  })
  .meta({ id: 'PromiseToPay' });

const PauseSchema = z
  .object({
    customer_external_id: z.string(),
    paused: z.boolean(),
    paused_until: CalendarDateSchema.nullable(),
  })
  .meta({ id: 'DunningPause' });

const errors = { 400: ErrorBody, 404: ErrorBody, 422: ErrorBody };

/** Collector actions on invoices and customers: disputes, promises to pay, pauses. */
export default async function collections(app: ApiApp, deps: AppDeps): Promise<void> {
  app.post(
    '/api/v1/invoices/:number/dispute',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['collections'],
        summary: 'Open a dispute on an invoice',
        description:
          'Nothing is sent for the invoice until the dispute is resolved. A disputed invoice cannot be disputed again (422).',
        params: NumberParam,
        body: z.object({ reason: z.string().min(1).max(2000), note: z.string().max(10000).optional() }),
        response: { 201: DisputeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const dispute = await openDispute(deps.db, {
        number: request.params.number,
        reason: request.body.reason,
        note: request.body.note ?? null,
        actor: request.actor,
      });
      return reply.code(201).send(dispute);
    },
  );

  app.post(
    '/api/v1/invoices/:number/resolve',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['collections'],
        summary: 'Resolve an invoice’s dispute',
        params: NumberParam,
        body: z.object({ note: z.string().max(10000).optional() }).default({}),
        response: { 200: DisputeSchema, ...errors },
      },
    },
    async (request) =>
      resolveDispute(deps.db, {
        number: request.params.number,
        actor: request.actor,
        resolution: request.body.note ?? null,
      }),
  );

  app.post(
    '/api/v1/invoices/:number/promise',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['collections'],
        summary: 'Record a promise to pay',
        description:
          'Dunning for the invoice waits until the promised date plus the grace days; the promise then closes as ' +
          'kept, partial or broken from the payments. The date cannot be in the past; amount (in the invoice ' +
          'currency) defaults to the whole open balance.',
        params: NumberParam,
        body: z.object({ date: CalendarDateSchema, amount: Money.optional() }),
        response: { 201: PromiseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const promise = await createPromise(deps.db, {
        number: request.params.number,
        promisedDate: request.body.date,
        amount: request.body.amount ?? null,
        actor: request.actor,
        today: await deps.today(),
        graceDays: await activePromiseGraceDays(deps.db),
      });
      return reply.code(201).send(promise);
    },
  );

  app.post(
    '/api/v1/customers/:external_id/pause',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['collections'],
        summary: 'Pause dunning for a customer',
        description: 'Without until, dunning stays paused until resumed.',
        params: ExternalIdParam,
        body: z.object({ until: CalendarDateSchema.optional() }).default({}),
        response: { 200: PauseSchema, ...errors },
      },
    },
    async (request) =>
      pauseCustomer(deps.db, {
        externalId: request.params.external_id,
        until: request.body.until ?? null,
        actor: request.actor,
        today: await deps.today(),
      }),
  );

  app.post(
    '/api/v1/customers/:external_id/resume',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['collections'],
        summary: 'Resume dunning for a customer',
        params: ExternalIdParam,
        response: { 200: PauseSchema, ...errors },
      },
    },
    async (request) =>
      resumeCustomer(deps.db, { externalId: request.params.external_id, actor: request.actor }),
  );
}
