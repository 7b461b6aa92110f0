/**
 * A small hand-computed ledger for the report tests, inserted with plain SQL.
 * As of D = 2026-03-31 with P = 90: the period is 2026-01-01 … 2026-03-31, D − P = 2025-12-31.
 *
 *   EUR (cents)  issue       due         amount    applications                          open at D  bucket
 *   E1           2025-11-01  2025-12-01  1000.00   pay 400 12-15, pay 600 2026-02-10      0          closes 02-10
 *   E2           2025-12-20  2026-01-19   500.00   —                                      500.00    61-90 (71 d)
 *   E3           2026-01-15  2026-02-14  2000.00   pay 500 03-01, pay 1500 04-05 (> D)   1500.00    31-60 (45 d)
 *   E4           2026-03-01  2026-03-31   300.00   —                                      300.00    current (due D)
 *   E5           2026-03-10  2026-04-09   700.00   credit note 100 03-20                  600.00    current
 *   E6 (void)    2026-02-01  2026-03-03  9999.00   —                                      excluded
 *   E7           2026-02-01  2026-02-15   200.00   pay 200 02-10 (early)                     0       closes 02-10
 *   E8           2025-06-01  2025-07-01   100.00   —                                      100.00    91+ (273 d)
 *   E9           2026-04-02  2026-05-02   400.00   —  (issued after D)                     excluded
 *   E10          2026-02-20  2026-03-22   100.00   pay 150 03-25 (over-applied)              0       closes 03-25
 *
 *   USD U1       2026-03-15  2026-04-14  1234.56   —                                     1234.56   current
 *   USD U2       2025-10-01  2025-10-31    50.00   adjustment 50 2026-01-05                 0       closes 01-05
 *   JPY J1       2026-02-01  2026-03-03  10000     pay 10000 03-03 (on the due date)        0       closes 03-03
 *   GBP G1       2025-01-10  2025-02-09    80.00   pay 80 2025-02-01                         0       (no activity)
 *   CHF X1 void  2026-01-10  2026-02-09    10.00   —                                      excluded
 *   AUD A1       2026-04-10  2026-05-10    10.00   —  (issued after D)                     excluded
 */
import type { Queryable } from '../../src/platform/db/index.ts';

interface Application {
  kind: 'payment' | 'credit_note' | 'adjustment';
  date: string;
  amount: number;
}

interface FixtureInvoice {
  number: string;
  currency: string;
  issue: string;
  due: string;
  amount: number;
  status?: 'open' | 'paid' | 'void';
  applications?: Application[];
}

export const FIXTURE_INVOICES: readonly FixtureInvoice[] = [
  {
    number: 'E1',
    currency: 'EUR',
    issue: '2025-11-01',
    due: '2025-12-01',
    amount: 100000,
    applications: [
      { kind: 'payment', date: '2025-12-15', amount: 40000 },
      { kind: 'payment', date: '2026-02-10', amount: 60000 },
    ],
  },
  { number: 'E2', currency: 'EUR', issue: '2025-12-20', due: '2026-01-19', amount: 50000 },
  {
    number: 'E3',
    currency: 'EUR',
    issue: '2026-01-15',
    due: '2026-02-14',
    amount: 200000,
    applications: [
      { kind: 'payment', date: '2026-03-01', amount: 50000 },
      { kind: 'payment', date: '2026-04-05', amount: 150000 },
    ],
  },
  { number: 'E4', currency: 'EUR', issue: '2026-03-01', due: '2026-03-31', amount: 30000 },
  {
    number: 'E5',
    currency: 'EUR',
    issue: '2026-03-10',
    due: '2026-04-09',
    amount: 70000,
    applications: [{ kind: 'credit_note', date: '2026-03-20', amount: 10000 }],
  },
  { number: 'E6', currency: 'EUR', issue: '2026-02-01', due: '2026-03-03', amount: 999900, status: 'void' },
  {
    number: 'E7',
    currency: 'EUR',
    issue: '2026-02-01',
    due: '2026-02-15',
    amount: 20000,
    applications: [{ kind: 'payment', date: '2026-02-10', amount: 20000 }],
  },
  { number: 'E8', currency: 'EUR', issue: '2025-06-01', due: '2025-07-01', amount: 10000 },
  { number: 'E9', currency: 'EUR', issue: '2026-04-02', due: '2026-05-02', amount: 40000 },
  {
    number: 'E10',
    currency: 'EUR',
    issue: '2026-02-20',
    due: '2026-03-22',
    amount: 10000,
    applications: [{ kind: 'payment', date: '2026-03-25', amount: 15000 }],
  },
  { number: 'U1', currency: 'USD', issue: '2026-03-15', due: '2026-04-14', amount: 123456 },
  {
    number: 'U2',
    currency: 'USD',
    issue: '2025-10-01',
    due: '2025-10-31',
    amount: 5000,
    status: 'paid',
    applications: [{ kind: 'adjustment', date: '2026-01-05', amount: 5000 }],
  },
  {
    number: 'J1',
    currency: 'JPY',
    issue: '2026-02-01',
    due: '2026-03-03',
    amount: 10000,
    applications: [{ kind: 'payment', date: '2026-03-03', amount: 10000 }],
  },
  {
    number: 'G1',
    currency: 'GBP',
    issue: '2025-01-10',
    due: '2025-02-09',
    amount: 8000,
    applications: [{ kind: 'payment', date: '2025-02-01', amount: 8000 }],
  },
  { number: 'X1', currency: 'CHF', issue: '2026-01-10', due: '2026-02-09', amount: 1000, status: 'void' },
  { number: 'A1', currency: 'AUD', issue: '2026-04-10', due: '2026-05-10', amount: 1000 },
];

/** Inserts the fixture ledger (one customer, its invoices, payments, credit notes, adjustments). */
export async function seedReportLedger(db: Queryable): Promise<void> {
  const [customer] = await db.query<{ id: number }>(
    `INSERT INTO customers (external_id, name) VALUES ('CUST-1', 'Acme Trading') RETURNING id`,
  );
  if (!customer) throw new Error('customer not inserted');
  let n = 0;
  for (const inv of FIXTURE_INVOICES) {
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, status)
       VALUES ($1, $2, $1, $3, $4, $5, $6, $7) RETURNING id`,
      [inv.number, customer.id, inv.issue, inv.due, inv.currency, inv.amount, inv.status ?? 'open'],
    );
    if (!row) throw new Error(`invoice ${inv.number} not inserted`);
    for (const app of inv.applications ?? []) {
      n++;
      if (app.kind === 'payment') {
        const [payment] = await db.query<{ id: number }>(
          `INSERT INTO payments (external_id, customer_id, date, amount, currency)
           VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [`P${n}`, customer.id, app.date, app.amount, inv.currency],
        );
        await db.execute(
          `INSERT INTO applications (invoice_id, kind, payment_id, amount, date) VALUES ($1, 'payment', $2, $3, $4)`,
          [row.id, payment?.id, app.amount, app.date],
        );
      } else if (app.kind === 'credit_note') {
        const [note] = await db.query<{ id: number }>(
          `INSERT INTO credit_notes (external_id, customer_id, number, date, amount, currency)
           VALUES ($1, $2, $1, $3, $4, $5) RETURNING id`,
          [`CN${n}`, customer.id, app.date, app.amount, inv.currency],
        );
        await db.execute(
          `INSERT INTO applications (invoice_id, kind, credit_note_id, amount, date)
           VALUES ($1, 'credit_note', $2, $3, $4)`,
          [row.id, note?.id, app.amount, app.date],
        );
      } else {
        await db.execute(
          `INSERT INTO applications (invoice_id, kind, amount, date) VALUES ($1, 'adjustment', $2, $3)`,
          [row.id, app.amount, app.date],
        );
      }
    }
  }
}
