/**
 * Writes behind the ledger routes. Upserts go through the import (`importRecords`), so the
 * API validates and stores exactly like `dunwell import`; deletes are the few the ledger
 * allows, each with its timeline event in the same transaction.
 */
import type { FastifyRequest } from 'fastify';
import type { CalendarDate } from '../ledger/dates.ts';
import { COLUMNS, type ImportKind, type ImportResult, importRecords } from '../ledger/import/index.ts';
import { formatAmount } from '../ledger/money.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Tx } from '../platform/db/index.ts';
import { NotFoundError } from '../platform/errors.ts';
import type { AppDeps } from './app.ts';
import { ConflictError, FieldError, RejectedRowsError, type RowError } from './errors.ts';

export type { ImportKind, ImportResult };

const NOUN: Record<ImportKind, string> = {
  customers: 'customer',
  contacts: 'contact',
  invoices: 'invoice',
  payments: 'payment',
  'credit-notes': 'credit note',
};

type ImportValue = string | number | boolean | null | string[];
export type ImportRecord = Record<string, ImportValue>;

/**
 * Turns an API body into an import record: its fields as they are, `custom_fields` flattened
 * into columns of their own (the import keeps unknown columns as custom fields), and
 * `applied_to` given as a list written the way the CSV column is (`INV-1:100.00;INV-2`).
 */
export function toImportRecord(
  kind: ImportKind,
  body: Record<string, unknown>,
  where: string,
  externalId?: string,
): ImportRecord {
  const record: ImportRecord = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || key === 'custom_fields') continue;
    if (key === 'applied_to' && Array.isArray(value)) {
      record.applied_to = (value as { invoice: string; amount?: string | undefined }[])
        .map((a) => (a.amount === undefined ? a.invoice : `${a.invoice}:${a.amount}`))
        .join(';');
      continue;
    }
    record[key] = value as ImportValue;
  }
  const custom = body.custom_fields as Record<string, string | number | boolean | null> | undefined;
  for (const [key, value] of Object.entries(custom ?? {})) {
    const column = key
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    if (COLUMNS[kind].includes(column) || column === 'custom_fields' || column === '') {
      throw new FieldError(
        `${where}.custom_fields.${key}`,
        `"${key}" is ${column === '' ? 'not a usable name' : 'a standard field'}; ` +
          'give the custom field another name (or set the standard field directly)',
      );
    }
    record[key] = value;
  }
  if (externalId !== undefined) record.external_id = externalId;
  return record;
}

interface WriteFlags {
  dry_run?: boolean | undefined;
  create_customers?: boolean | undefined;
  partial?: boolean | undefined;
}

async function runImport(
  deps: AppDeps,
  request: FastifyRequest,
  kind: ImportKind,
  records: ImportRecord[],
  flags: WriteFlags,
  partial: boolean,
): Promise<ImportResult> {
  const today: CalendarDate = await deps.today();
  return importRecords(deps.db, kind, records, {
    actor: request.actor,
    today,
    partial,
    dryRun: flags.dry_run ?? false,
    createCustomers: flags.create_customers ?? false,
  });
}

function describeRow(e: RowError & { path: string }): string {
  return `${e.path}${e.value != null ? ` "${e.value}"` : ''}: ${e.reason}`;
}

/** PUT one record; throws RejectedRowsError (422) when the import refuses it. */
export async function upsertOne(
  deps: AppDeps,
  request: FastifyRequest,
  kind: ImportKind,
  record: ImportRecord,
  flags: WriteFlags,
): Promise<ImportResult> {
  const result = await runImport(deps, request, kind, [record], flags, false);
  if (result.rejected.length > 0) {
    const rows = result.rejected.map((e) => ({ ...e, path: e.column ? `body.${e.column}` : 'body' }));
    throw new RejectedRowsError(
      `the ${NOUN[kind]} "${String(record.external_id ?? record.number ?? '')}" was not saved: ` +
        `${rows.map(describeRow).join('; ')}; correct the field and send it again`,
      rows,
    );
  }
  return result;
}

/**
 * POST a batch. Without `partial`, one rejected item means nothing is written (the import
 * guarantees it) and the answer is 422 listing every rejected item.
 */
export async function upsertBatch(
  deps: AppDeps,
  request: FastifyRequest,
  kind: ImportKind,
  records: ImportRecord[],
  flags: WriteFlags,
): Promise<ImportResult> {
  const partial = flags.partial ?? false;
  const result = await runImport(deps, request, kind, records, flags, partial);
  if (result.rejected.length > 0 && !partial) {
    const rows = result.rejected.map((e) => ({
      ...e,
      path: `body.items[${e.row - 1}]${e.column ? `.${e.column}` : ''}`,
    }));
    const first = rows[0];
    throw new RejectedRowsError(
      `${result.rejectedRows} of ${result.rows} items were rejected, so nothing was written` +
        `${first ? ` (first: ${describeRow(first)})` : ''}; correct them and send the batch again, ` +
        'or add ?partial=true to write the good items',
      rows,
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Deletes

async function lockCustomer(tx: Tx, externalId: string): Promise<{ id: number; name: string }> {
  const [row] = await tx.query<{ id: number; name: string }>(
    'SELECT id, name FROM customers WHERE external_id = $1 FOR UPDATE',
    [externalId],
  );
  if (!row) throw new NotFoundError(`no customer with external_id "${externalId}"; nothing was deleted`);
  return row;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Deletes a customer without ledger history (its contacts go with it). */
export async function deleteCustomer(db: Db, externalId: string, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, externalId);
    const [counts] = await tx.query<{ invoices: number; payments: number; credit_notes: number }>(
      `SELECT (SELECT count(*) FROM invoices WHERE customer_id = $1)::int AS invoices,
              (SELECT count(*) FROM payments WHERE customer_id = $1)::int AS payments,
              (SELECT count(*) FROM credit_notes WHERE customer_id = $1)::int AS credit_notes`,
      [customer.id],
    );
    const history = [
      counts?.invoices ? plural(counts.invoices, 'invoice') : '',
      counts?.payments ? plural(counts.payments, 'payment') : '',
      counts?.credit_notes ? plural(counts.credit_notes, 'credit note') : '',
    ].filter(Boolean);
    if (history.length > 0) {
      throw new ConflictError(
        `customer "${externalId}" has ${history.join(', ')}; an AR ledger keeps its history, so a customer ` +
          `with ledger records cannot be deleted — pause its dunning instead (dunwell customers pause ${externalId})`,
      );
    }
    await tx.execute('DELETE FROM customers WHERE id = $1', [customer.id]);
    // The customer's own timeline goes with it; the deletion is kept as an organisation event.
    await recordEvent(tx, {
      actor,
      customerId: null,
      action: 'customer.deleted',
      entity: 'customer',
      entityId: externalId,
      data: { name: customer.name },
    });
  });
}

export async function deleteContact(db: Db, externalId: string, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ customer_id: number; name: string; email: string | null }>(
      'DELETE FROM contacts WHERE external_id = $1 RETURNING customer_id, name, email',
      [externalId],
    );
    if (!row) throw new NotFoundError(`no contact with external_id "${externalId}"; nothing was deleted`);
    await recordEvent(tx, {
      actor,
      customerId: row.customer_id,
      action: 'contact.deleted',
      entity: 'contact',
      entityId: externalId,
      data: { name: row.name, email: row.email },
    });
  });
}

/**
 * Deletes a payment or credit note. Its applications go with it (ON DELETE CASCADE) and the
 * applications trigger recomputes the open balance of every invoice it had settled.
 */
export async function deleteSettlement(
  db: Db,
  table: 'payments' | 'credit_notes',
  externalId: string,
  actor: string,
): Promise<void> {
  const entity = table === 'payments' ? 'payment' : 'credit_note';
  const noun = table === 'payments' ? 'payment' : 'credit note';
  const fk = table === 'payments' ? 'payment_id' : 'credit_note_id';
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{
      id: number;
      customer_id: number;
      date: string;
      amount: number;
      currency: string;
    }>(`SELECT id, customer_id, date, amount, currency FROM ${table} WHERE external_id = $1 FOR UPDATE`, [
      externalId,
    ]);
    if (!row) throw new NotFoundError(`no ${noun} with external_id "${externalId}"; nothing was deleted`);
    const applications = await tx.query<{ invoice: string; amount: number; date: string }>(
      `SELECT i.external_id AS invoice, a.amount, a.date
         FROM applications a JOIN invoices i ON i.id = a.invoice_id
        WHERE a.${fk} = $1 ORDER BY a.id`,
      [row.id],
    );
    await tx.execute(`DELETE FROM ${table} WHERE id = $1`, [row.id]);
    await recordEvent(tx, {
      actor,
      customerId: row.customer_id,
      action: `${entity}.deleted`,
      entity,
      entityId: externalId,
      data: {
        date: row.date,
        amount: formatAmount(row.amount, row.currency),
        currency: row.currency,
        applications: applications.map((a) => ({
          invoice: a.invoice,
          amount: formatAmount(a.amount, row.currency),
          date: a.date,
        })),
      },
    });
  });
}
