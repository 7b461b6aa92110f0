/**
 * Disputes: a customer contests an invoice. While a dispute is open the invoice is
 * `disputed` and the engine sends nothing for it (R6). Every change lands on the customer's
 * timeline in the same transaction.
 */
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';

export interface InvoiceRef {
  id: number;
  number: string;
  customerId: number;
  customerExternalId: string;
  currency: string;
  amount: number;
  openBalance: number;
  status: 'open' | 'paid' | 'void';
  disputed: boolean;
}

/** The invoice numbered `number`, locked for update when inside a transaction. */
export async function findInvoice(q: Queryable, number: string, forUpdate = false): Promise<InvoiceRef> {
  const [row] = await q.query<{
    id: number;
    number: string;
    customer_id: number;
    external_id: string;
    currency: string;
    amount: number;
    open_balance: number;
    status: InvoiceRef['status'];
    disputed: boolean;
  }>(
    `SELECT i.id, i.number, i.customer_id, c.external_id, i.currency, i.amount, i.open_balance, i.status, i.disputed
       FROM invoices i JOIN customers c ON c.id = i.customer_id
      WHERE i.number = $1${forUpdate ? ' FOR UPDATE OF i' : ''}`,
    [number],
  );
  if (!row) throw new NotFoundError(`no invoice numbered ${number}`);
  return {
    id: row.id,
    number: row.number,
    customerId: row.customer_id,
    customerExternalId: row.external_id,
    currency: row.currency.trim(),
    amount: row.amount,
    openBalance: row.open_balance,
    status: row.status,
    disputed: row.disputed,
  };
}

export interface DisputeView {
  id: number | null;
  invoice: string;
  customer_external_id: string;
  status: 'open' | 'resolved';
  reason: string;
  note: string | null;
  opened_by: string;
  opened_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
}

type DisputeRow = {
  id: number | null;
  status: 'open' | 'resolved';
  reason: string;
  note: string | null;
  opened_by: string;
  opened_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
};

function view(row: DisputeRow, invoice: InvoiceRef): DisputeView {
  return {
    id: row.id,
    invoice: invoice.number,
    customer_external_id: invoice.customerExternalId,
    status: row.status,
    reason: row.reason,
    note: row.note,
    opened_by: row.opened_by,
    opened_at: row.opened_at,
    resolved_by: row.resolved_by,
    resolved_at: row.resolved_at,
  };
}

const COLUMNS = 'id, status, reason, note, opened_by, opened_at, resolved_by, resolved_at';

export async function openDispute(
  db: Db,
  input: { number: string; reason: string; note?: string | null; actor: string },
): Promise<DisputeView> {
  const reason = input.reason.trim();
  if (!reason) throw new UserError(`a dispute on invoice ${input.number} needs a reason (--reason TEXT)`);
  return db.transaction(async (tx) => {
    const invoice = await findInvoice(tx, input.number, true);
    if (invoice.disputed) {
      const [open] = await tx.query<{ reason: string; opened_by: string; opened_at: string }>(
        `SELECT reason, opened_by, opened_at FROM disputes WHERE invoice_id = $1 AND status = 'open'`,
        [invoice.id],
      );
      throw new UserError(
        `invoice ${invoice.number} is already disputed` +
          (open ? ` ("${open.reason}", opened by ${open.opened_by} at ${open.opened_at})` : '') +
          `; resolve it first with "dunwell invoices resolve ${invoice.number}"`,
      );
    }
    if (invoice.status === 'void')
      throw new UserError(`invoice ${invoice.number} is void; it cannot be disputed`);
    const [row] = await tx.query<DisputeRow>(
      `INSERT INTO disputes (invoice_id, customer_id, reason, note, opened_by)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [invoice.id, invoice.customerId, reason, input.note ?? null, input.actor],
    );
    await tx.execute('UPDATE invoices SET disputed = true, updated_at = now() WHERE id = $1', [invoice.id]);
    await recordEvent(tx, {
      actor: input.actor,
      customerId: invoice.customerId,
      action: 'invoice.disputed',
      entity: 'invoice',
      entityId: invoice.number,
      data: { dispute_id: row!.id, reason, note: input.note ?? null },
    });
    return view(row!, invoice);
  });
}

/**
 * Closes the invoice's open dispute and clears `disputed`. An invoice imported as disputed
 * has no dispute row; resolving it clears the flag all the same (and says so on the timeline).
 */
export async function resolveDispute(
  db: Db,
  input: { number: string; actor: string; resolution?: string | null },
): Promise<DisputeView> {
  return db.transaction(async (tx) => {
    const invoice = await findInvoice(tx, input.number, true);
    if (!invoice.disputed) {
      throw new UserError(`invoice ${invoice.number} is not disputed; there is nothing to resolve`);
    }
    const [row] = await tx.query<DisputeRow>(
      `UPDATE disputes SET status = 'resolved', resolved_by = $2, resolved_at = now(), resolution = $3
        WHERE invoice_id = $1 AND status = 'open' RETURNING ${COLUMNS}`,
      [invoice.id, input.actor, input.resolution ?? null],
    );
    await tx.execute('UPDATE invoices SET disputed = false, updated_at = now() WHERE id = $1', [invoice.id]);
    await recordEvent(tx, {
      actor: input.actor,
      customerId: invoice.customerId,
      action: 'invoice.dispute_resolved',
      entity: 'invoice',
      entityId: invoice.number,
      data: { dispute_id: row?.id ?? null, resolution: input.resolution ?? null },
    });
    const [{ now } = { now: '' }] = await tx.query<{ now: string }>('SELECT now() AS now');
    return view(
      row ?? {
        id: null,
        status: 'resolved',
        reason: 'imported as disputed',
        note: null,
        opened_by: 'import',
        opened_at: now,
        resolved_by: input.actor,
        resolved_at: now,
      },
      invoice,
    );
  });
}
