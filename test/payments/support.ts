/**
 * A small seeded ledger for the payments tests. Calendar (Nov 2026): invoices issued in
 * October, due 2026-11-01 … 2026-11-20; today 2026-11-25.
 *
 *   C-1 Acme GmbH     INV-1001 100.00 (due 11-01)  INV-1002 250.00 (due 11-10)  INV-1003 40.00 (due 11-20)
 *   C-2 Borealis Ltd  INV-2001 100.00 (due 11-05)  INV-2002 75.50 (due 11-15)
 *   C-3 Cirrus SA     INV-3001 999.99 (due 11-12)                                (all EUR)
 */
import { importRecords } from '../../src/ledger/import/index.ts';
import type { Db } from '../../src/platform/db/index.ts';

export const TODAY = '2026-11-25';

export async function seedLedger(db: Db): Promise<void> {
  const opts = { actor: 'test', today: TODAY };
  const customers = await importRecords(
    db,
    'customers',
    [
      { external_id: 'C-1', name: 'Acme GmbH', currency: 'EUR' },
      { external_id: 'C-2', name: 'Borealis Ltd', currency: 'EUR' },
      { external_id: 'C-3', name: 'Cirrus SA', currency: 'EUR' },
    ],
    opts,
  );
  if (customers.rejected.length > 0) throw new Error(JSON.stringify(customers.rejected));
  const inv = (customer: string, number: string, due: string, amount: string) => ({
    customer_external_id: customer,
    number,
    issue_date: '2026-10-01',
    due_date: due,
    currency: 'EUR',
    amount,
  });
  const invoices = await importRecords(
    db,
    'invoices',
    [
      inv('C-1', 'INV-1001', '2026-11-01', '100.00'),
      inv('C-1', 'INV-1002', '2026-11-10', '250.00'),
      inv('C-1', 'INV-1003', '2026-11-20', '40.00'),
      inv('C-2', 'INV-2001', '2026-11-05', '100.00'),
      inv('C-2', 'INV-2002', '2026-11-15', '75.50'),
      inv('C-3', 'INV-3001', '2026-11-12', '999.99'),
    ],
    opts,
  );
  if (invoices.rejected.length > 0) throw new Error(JSON.stringify(invoices.rejected));
}

export async function customerId(db: Db, externalId: string): Promise<number> {
  const [row] = await db.query<{ id: number }>('SELECT id FROM customers WHERE external_id = $1', [
    externalId,
  ]);
  if (!row) throw new Error(`no customer ${externalId}`);
  return row.id;
}

export async function invoiceId(db: Db, number: string): Promise<number> {
  const [row] = await db.query<{ id: number }>('SELECT id FROM invoices WHERE number = $1', [number]);
  if (!row) throw new Error(`no invoice ${number}`);
  return row.id;
}

export async function balances(db: Db): Promise<Record<string, number>> {
  const rows = await db.query<{ number: string; open_balance: number }>(
    'SELECT number, open_balance FROM invoices ORDER BY number',
  );
  return Object.fromEntries(rows.map((r) => [r.number, r.open_balance]));
}

/** A planned dunning message for the given invoices. */
export async function planMessage(db: Db, customer: string, numbers: string[], day: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for)
     SELECT id, 'standard', 'reminder-1', 'past-due', 'en', true, $2 FROM customers WHERE external_id = $1
     RETURNING id`,
    [customer, day],
  );
  let position = 0;
  for (const number of numbers) {
    await db.execute(
      `INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
       SELECT $1, id, $2, 'reminder-1', open_balance FROM invoices WHERE number = $3`,
      [row!.id, position++, number],
    );
  }
  return row!.id;
}
