/**
 * Bank statements through the API: upload a raw bank file to reconcile it (the same as
 * `dunwell reconcile`), read statements with their entries' match status, work the unmatched
 * queue, and assign an unmatched credit to invoices by hand.
 */
import { z } from 'zod';
import { decodeCursor, toPage } from '../../ledger/read.ts';
import {
  BANK_FORMATS,
  CSV_COLUMNS,
  getEntry,
  getStatement,
  listEntries,
  listStatements,
  matchEntryByHand,
  reconcileFile,
} from '../../payments/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { errorPayload } from '../errors.ts';
import {
  CalendarDateSchema,
  CurrencyCode,
  ErrorBody,
  Instant,
  Money,
  PageQuery,
  pageOf,
  QueryBool,
} from '../schemas.ts';

/** The largest bank file accepted (a month of a busy account in camt.053 is a few MB). */
export const MAX_BANK_FILE_BYTES = 20 * 1024 * 1024;

const FILE_TYPES = [
  'application/xml',
  'text/xml',
  'text/plain',
  'text/csv',
  'application/octet-stream',
  'application/vnd.swift.mt940',
];

const Status = z.enum(['matched', 'unmatched', 'ignored']);

const EntrySchema = z
  .object({
    id: z.number().int().nullable().meta({ description: 'null in a dry run (nothing was stored)' }),
    date: CalendarDateSchema.nullable(),
    amount: Money.meta({ description: 'Signed: credits (money in) positive' }),
    currency: z.string(),
    reversal: z.boolean(),
    reference: z.string().nullable(),
    remittance: z.string(),
    counterparty: z.string().nullable(),
    status: Status,
    invoices: z.array(z.string()),
  })
  .meta({ id: 'BankEntry', description: 'One booking of a bank statement with its match status' });

const ReconcileResultSchema = z
  .object({
    format: z.enum(BANK_FORMATS),
    file_id: z.number().int().nullable().meta({ description: 'The stored file; null in a dry run' }),
    already_imported: z
      .boolean()
      .meta({ description: 'This exact file was imported before: nothing changed' }),
    repeated_entries: z.number().int().meta({ description: 'Entries already imported from another file' }),
    statements: z.array(
      z.object({
        account: z.string(),
        currency: z.string(),
        opening_balance: Money.nullable(),
        closing_balance: Money.nullable(),
        entries: z.array(EntrySchema),
      }),
    ),
  })
  .meta({ id: 'ReconcileResult' });

const StatementSchema = z
  .object({
    id: z.number().int(),
    file_id: z.number().int(),
    format: z.enum(BANK_FORMATS),
    file_name: z.string().nullable(),
    imported_at: Instant,
    account: z.string(),
    currency: z.string(),
    opening_balance: Money.nullable(),
    closing_balance: Money.nullable(),
    entries_total: z.number().int(),
    matched: z.number().int(),
    unmatched: z.number().int(),
    ignored: z.number().int(),
  })
  .meta({ id: 'BankStatement' });

const EntryViewSchema = EntrySchema.extend({
  id: z.number().int(),
  statement_id: z.number().int(),
  rule: z
    .enum(['invoice_number', 'amount', 'counterparty', 'manual'])
    .nullable()
    .meta({ description: 'How a matched entry was matched' }),
  reason: z.string().nullable().meta({ description: 'Why an entry is unmatched or ignored' }),
  customer_external_id: z.string().nullable(),
  counterparty_iban: z.string().nullable(),
  end_to_end_id: z.string().nullable(),
  creditor_reference: z.string().nullable(),
}).meta({ id: 'BankEntryDetail' });

const IdParam = z.object({ id: z.coerce.number().int().min(1).meta({ description: 'Id' }) });

export default async function bankStatements(app: ApiApp, deps: AppDeps): Promise<void> {
  // bank files arrive as raw bytes (this plugin's own parser, encapsulated to these routes)
  app.addContentTypeParser(
    FILE_TYPES,
    { parseAs: 'buffer', bodyLimit: MAX_BANK_FILE_BYTES },
    (_r, body, done) => done(null, body),
  );

  app.post(
    '/api/v1/bank-statements',
    {
      config: { minRole: 'collector' },
      bodyLimit: MAX_BANK_FILE_BYTES,
      errorHandler: (err, request, reply) => {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 413 || status === 415) {
          const message =
            status === 413
              ? `the file is larger than ${MAX_BANK_FILE_BYTES / 1048576} MB; split it by statement`
              : `send the bank file itself as the body with Content-Type ${FILE_TYPES.join(', ')}`;
          return reply
            .code(status)
            .type('application/json; charset=utf-8')
            .serializer(JSON.stringify)
            .send(errorPayload(status === 413 ? 'payload_too_large' : 'unsupported_media_type', message));
        }
        return app.errorHandler(err, request, reply);
      },
      schema: {
        tags: ['bank statements'],
        summary: 'Import a bank statement and match its payments',
        description:
          'The body is the bank file as the bank sent it: camt.053 / camt.054 (also camt.052), MT940, BAI2 or CSV ' +
          `(at most ${MAX_BANK_FILE_BYTES / 1048576} MB). The format is detected unless ?format= says it. Each ` +
          'credit is matched to invoices (invoice numbers in the remittance text, then payer and amount) and ' +
          'recorded as a payment; debits and reversals are ignored; the rest waits in the unmatched queue. The ' +
          'same file again changes nothing. A malformed file is 422 naming the line or element; nothing is stored. ' +
          '?dry_run=true shows the result and stores nothing.',
        querystring: z.object({
          format: z.enum(BANK_FORMATS).optional(),
          dry_run: QueryBool.optional(),
          file_name: z.string().max(300).optional().meta({ description: 'Kept with the file for people' }),
          currency: CurrencyCode.optional().meta({ description: 'CSV without a currency column' }),
          map: z
            .string()
            .max(2000)
            .optional()
            .meta({
              description: `CSV: header renames, "Buchungstag=date;Betrag=amount" (columns: ${CSV_COLUMNS.join(', ')})`,
            }),
        }),
        response: {
          200: ReconcileResultSchema,
          400: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new UserError('the body is empty: send the bank file itself');
      }
      const q = request.query;
      const map: Record<string, string> = {};
      for (const pair of (q.map ?? '').split(';').filter((p) => p.trim() !== '')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UserError(`map "${pair}": write it as SOURCE=COLUMN`);
        map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      const outcome = await reconcileFile(deps.db, new Uint8Array(body), {
        actor: request.actor,
        today: await deps.today(),
        dryRun: q.dry_run ?? false,
        ...(q.format ? { format: q.format } : {}),
        ...(q.file_name ? { fileName: q.file_name } : {}),
        csv: { map, ...(q.currency ? { currency: q.currency.toUpperCase() } : {}) },
      });
      return {
        format: outcome.report.format,
        file_id: outcome.fileId,
        already_imported: outcome.alreadyImported,
        repeated_entries: outcome.repeatedEntries,
        statements: outcome.report.statements.map((s, si) => ({
          ...s,
          entries: s.entries.map((e, ei) => ({ id: outcome.entryIds[si]?.[ei] ?? null, ...e })),
        })),
      };
    },
  );

  app.get(
    '/api/v1/bank-statements',
    {
      schema: {
        tags: ['bank statements'],
        summary: 'List imported bank statements',
        description: 'Newest first, with counts of matched, unmatched and ignored entries.',
        querystring: z.object({ ...PageQuery }),
        response: { 200: pageOf(StatementSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const after = request.query.cursor ? decodeCursor(request.query.cursor, 'int') : null;
      const rows = await listStatements(deps.db, {
        ...(after ? { beforeId: after[1] } : {}),
        limit: request.query.limit + 1,
      });
      return toPage(rows, request.query.limit, (row) => row.id);
    },
  );

  app.get(
    '/api/v1/bank-statements/entries',
    {
      schema: {
        tags: ['bank statements'],
        summary: 'List bank entries (the unmatched queue with ?status=unmatched)',
        description: 'Entries of every statement, oldest first.',
        querystring: z.object({ status: Status.optional(), ...PageQuery }),
        response: { 200: pageOf(EntryViewSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const after = request.query.cursor ? decodeCursor(request.query.cursor, 'int') : null;
      const rows = await listEntries(deps.db, {
        ...(request.query.status ? { status: request.query.status } : {}),
        ...(after ? { afterId: after[1] } : {}),
        limit: request.query.limit + 1,
      });
      return toPage(rows, request.query.limit, (row) => row.id);
    },
  );

  app.get(
    '/api/v1/bank-statements/entries/:id',
    {
      schema: {
        tags: ['bank statements'],
        summary: 'Get a bank entry',
        description:
          'One entry with its match status, how it was matched (rule) or why not (reason), and its customer.',
        params: IdParam,
        response: { 200: EntryViewSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => getEntry(deps.db, request.params.id),
  );

  app.get(
    '/api/v1/bank-statements/:id',
    {
      schema: {
        tags: ['bank statements'],
        summary: 'Get a bank statement with its entries',
        description: 'The statement’s account, balances and counts, and every entry in file order.',
        params: IdParam,
        response: {
          200: StatementSchema.extend({ entries: z.array(EntryViewSchema) }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => getStatement(deps.db, request.params.id),
  );

  app.post(
    '/api/v1/bank-statements/entries/:id/match',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['bank statements'],
        summary: 'Assign an unmatched credit by hand',
        description:
          'Records the entry as a payment of the customer of the named invoices (or of `customer`): to the ' +
          'invoices in the order given (amount optional: up to what is open), the rest oldest first, then as ' +
          'credit. Only unmatched entries (422 otherwise); all invoices must be one customer’s and in the ' +
          'payment’s currency. The payer’s IBAN is remembered for the next payment.',
        params: IdParam,
        body: z
          .object({
            invoices: z
              .array(z.object({ invoice: z.string().min(1).max(200), amount: Money.optional() }))
              .max(100)
              .default([]),
            customer: z.string().min(1).max(200).optional().meta({ description: 'Customer external_id' }),
          })
          .refine((b) => b.invoices.length > 0 || b.customer !== undefined, {
            error: 'name invoices or a customer',
          }),
        response: { 200: EntryViewSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      matchEntryByHand(deps.db, {
        entryId: request.params.id,
        invoices: request.body.invoices.map((i) => ({ number: i.invoice, amount: i.amount })),
        customerExternalId: request.body.customer,
        actor: request.actor,
        today: await deps.today(),
      }),
  );
}
