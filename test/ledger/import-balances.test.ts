// The invoice import writes open_balance and settled_on itself, in the same statement as the
// invoice, and its own adjustments with the applications triggers standing aside
// (migrations/202611251200_import_speed.sql). These tests prove that what it writes is exactly
// what the triggers maintain: after every import — new invoices, re-imports with changed
// balances, amounts and statuses, payments consuming adjustments — every invoice's
// open_balance is amount − Σ applications and settled_on the date of the last application
// when it is settled, on every engine. And every other writer still gets the triggers.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type ImportOptions, importCsv } from '../../src/ledger/import/index.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { describeEachEngine } from '../support/db.ts';

const opts = (today: string): ImportOptions => ({ actor: 'test', today });

/** Invoices whose stored balance or settled_on differs from what their applications say. */
async function drift(db: Db): Promise<unknown[]> {
  return db.query(
    `SELECT i.number, i.amount, i.open_balance, i.settled_on, x.applied, x.last_date
       FROM invoices i
       LEFT JOIN LATERAL (SELECT coalesce(sum(a.amount), 0)::int8 AS applied, max(a.date) AS last_date
                            FROM applications a WHERE a.invoice_id = i.id) x ON true
      WHERE i.open_balance <> i.amount - x.applied
         OR i.settled_on IS DISTINCT FROM (CASE WHEN i.amount - x.applied <= 0 THEN x.last_date END)
      ORDER BY i.number`,
  );
}

async function state(db: Db): Promise<Record<string, [number, string | null, number]>> {
  const rows = await db.query<{
    number: string;
    open_balance: number;
    settled_on: string | null;
    adj: number;
  }>(
    `SELECT i.number, i.open_balance, i.settled_on,
            coalesce((SELECT a.amount FROM applications a WHERE a.invoice_id = i.id AND a.kind = 'adjustment'), 0)::int8 AS adj
       FROM invoices i ORDER BY i.number`,
  );
  return Object.fromEntries(rows.map((r) => [r.number, [r.open_balance, r.settled_on, r.adj]]));
}

const HEADER = 'number,customer_external_id,issue_date,due_date,amount,currency,balance,status\n';

describeEachEngine('import: balances written by the import equal the triggers’ invariant', (db) => {
  it('new invoices: open, partly paid, paid, void, zero amount', async () => {
    await importCsv(db(), 'customers', 'external_id,name\nC1,Acme\nC2,Beta\n', opts('2024-06-30'));
    const r = await importCsv(
      db(),
      'invoices',
      HEADER +
        'N-1,C1,2024-01-01,2024-01-31,100.00,EUR,,\n' +
        'N-2,C1,2024-02-01,2024-02-29,200.00,EUR,50.00,\n' +
        'N-3,C1,2024-03-01,2024-03-31,300.00,EUR,,paid\n' +
        'N-4,C2,2024-01-01,2024-01-31,80.00,EUR,0.00,\n' +
        'N-5,C2,2024-01-01,2024-01-31,60.00,EUR,60.00,void\n' +
        'N-6,C2,2024-01-01,2024-01-31,0.00,EUR,,\n',
      opts('2024-06-30'),
    );
    assert.deepEqual([r.inserted, r.rejectedRows], [6, 0]);
    assert.deepEqual(await drift(db()), []);
    assert.deepEqual(await state(db()), {
      'N-1': [10000, null, 0],
      'N-2': [5000, null, 15000],
      'N-3': [0, '2024-06-30', 30000],
      'N-4': [0, '2024-06-30', 8000],
      'N-5': [6000, null, 0],
      // nothing to pay and nothing applied: settled, but on no date
      'N-6': [0, null, 0],
    });
  });

  it('payments consume adjustments first, then open balances', async () => {
    const r = await importCsv(
      db(),
      'payments',
      'external_id,customer_external_id,date,amount,currency,reference,applied_to\n' +
        'P-1,C1,2024-07-01,120.00,EUR,,N-2:120.00\n' +
        'P-2,C1,2024-07-02,100.00,EUR,,N-1\n',
      opts('2024-07-02'),
    );
    assert.equal(r.inserted, 2);
    assert.deepEqual(await drift(db()), []);
    const s = await state(db());
    // N-2: the 120 payment takes 120 of the 150 adjustment; 50 still open
    assert.deepEqual(s['N-2'], [5000, null, 3000]);
    assert.deepEqual(s['N-1'], [0, '2024-07-02', 0]);
  });

  it('re-import: changed balances, amounts and statuses recompute balance, adjustment and settled_on', async () => {
    const r = await importCsv(
      db(),
      'invoices',
      HEADER +
        // paid by P-2 already; the ERP agrees
        'N-1,C1,2024-01-01,2024-01-31,100.00,EUR,0.00,\n' +
        // the ERP now says 20 open: adjustment grows from 30 to 60 (with P-1's 120)
        'N-2,C1,2024-02-01,2024-02-29,200.00,EUR,20.00,\n' +
        // paid → open with its full amount: the adjustment goes away
        'N-3,C1,2024-03-01,2024-03-31,300.00,EUR,,open\n' +
        // amount raised, still fully paid per the ERP
        'N-4,C2,2024-01-01,2024-01-31,90.00,EUR,0.00,\n' +
        'N-5,C2,2024-01-01,2024-01-31,60.00,EUR,60.00,void\n' +
        // amount raised on an invoice with nothing applied
        'N-6,C2,2024-01-01,2024-01-31,10.00,EUR,,\n' +
        'N-7,C2,2024-04-01,2024-04-30,70.00,EUR,70.00,\n',
      opts('2024-07-10'),
    );
    assert.deepEqual([r.inserted, r.updated, r.unchanged], [1, 4, 2]);
    assert.deepEqual(await drift(db()), []);
    assert.deepEqual(await state(db()), {
      'N-1': [0, '2024-07-02', 0],
      'N-2': [2000, null, 6000],
      'N-3': [30000, null, 0],
      'N-4': [0, '2024-07-10', 9000],
      'N-5': [6000, null, 0],
      'N-6': [1000, null, 0],
      'N-7': [7000, null, 0],
    });
  });

  it('a file without balance or status keeps the stored status and recomputes from the amount', async () => {
    // N-3 is open again; lowering N-2's amount below what was applied leaves it overpaid
    const r = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,due_date,amount\n' +
        'N-2,C1,2024-02-01,2024-02-29,100.00\n' +
        'N-3,C1,2024-03-01,2024-03-31,300.00\n',
      opts('2024-07-11'),
    );
    assert.deepEqual([r.updated, r.unchanged], [1, 1]);
    assert.deepEqual(await drift(db()), []);
    const s = await state(db());
    // N-2: 100 − P-1's 120, the adjustment no longer needed
    assert.deepEqual(s['N-2'], [-2000, '2024-07-01', 0]);
    assert.deepEqual(s['N-3'], [30000, null, 0]);
    // the same file again changes nothing
    const again = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,due_date,amount\n' +
        'N-2,C1,2024-02-01,2024-02-29,100.00\n' +
        'N-3,C1,2024-03-01,2024-03-31,300.00\n',
      opts('2024-07-12'),
    );
    assert.deepEqual([again.updated, again.unchanged], [0, 2]);
    assert.deepEqual(await drift(db()), []);
  });

  it('after an import, other writers still get the triggers (same connection, new transactions)', async () => {
    const [c] = await db().query<{ id: number }>("SELECT id FROM customers WHERE external_id = 'C2'");
    // an INSERT that names no balance, and one that names a wrong one, both get the amount
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ('S-1', $1, 'S-1', '2024-05-01', '2024-05-31', 'EUR', 4200)`,
      [c!.id],
    );
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, open_balance, settled_on)
       VALUES ('S-2', $1, 'S-2', '2024-05-01', '2024-05-31', 'EUR', 4300, 1, '2024-05-02')`,
      [c!.id],
    );
    const [s1] = await db().query<{ id: number }>("SELECT id FROM invoices WHERE number = 'S-1'");
    await db().execute(
      `INSERT INTO applications (invoice_id, kind, amount, date) VALUES ($1, 'adjustment', 4200, '2024-05-05')`,
      [s1!.id],
    );
    await db().execute("UPDATE invoices SET amount = 5000 WHERE number = 'N-7'");
    assert.deepEqual(await drift(db()), []);
    const s = await state(db());
    assert.deepEqual(s['S-1'], [0, '2024-05-05', 4200]);
    assert.deepEqual(s['S-2'], [4300, null, 0]);
    assert.deepEqual(s['N-7'], [5000, null, 0]);
    const [setting] = await db().query<{ v: string | null }>(
      "SELECT current_setting('dunwell.balance_refresh', true) AS v",
    );
    assert.notEqual(setting?.v, 'off');
  });

  it('a dry run and a rejected file leave balances and adjustments as they were', async () => {
    const before = await state(db());
    const dry = await importCsv(db(), 'invoices', `${HEADER}N-6,C2,2024-01-01,2024-01-31,10.00,EUR,4.00,\n`, {
      ...opts('2024-07-20'),
      dryRun: true,
    });
    assert.equal(dry.updated, 1);
    const bad = await importCsv(
      db(),
      'invoices',
      `${HEADER}N-6,C2,2024-01-01,2024-01-31,10.00,EUR,4.00,\nN-9,C1,not-a-date,,1.00,EUR,,\n`,
      opts('2024-07-20'),
    );
    assert.equal(bad.rejectedRows, 1);
    assert.deepEqual(await state(db()), before);
    assert.deepEqual(await drift(db()), []);
  });
});

describeEachEngine('import: a first big load builds the indexes after the rows', (db) => {
  const indexes = (d: Db) =>
    d.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoices' ORDER BY indexname");
  const file = (rows: number) => {
    let text = HEADER;
    for (let i = 1; i <= rows; i++) {
      const balance = i % 4 === 0 ? '' : i % 4 === 1 ? '10.00' : i % 4 === 2 ? '0.00' : '25.00';
      const status = i % 10 === 0 ? 'paid' : '';
      text += `F-${i},C${1 + (i % 3)},2024-01-${String(1 + (i % 28)).padStart(2, '0')},,25.00,EUR,${status ? '' : balance},${status}\n`;
    }
    return text;
  };

  it('a dry run of a big first load rolls back with every index in place', async () => {
    await importCsv(db(), 'customers', 'external_id,name\nC1,A\nC2,B\nC3,C\n', opts('2024-06-30'));
    const before = await indexes(db());
    assert.ok(before.length >= 10);
    const r = await importCsv(db(), 'invoices', file(12_000), { ...opts('2024-06-30'), dryRun: true });
    assert.equal(r.inserted, 12_000);
    assert.deepEqual(await indexes(db()), before);
    assert.deepEqual(await db().query('SELECT id FROM invoices'), []);
  });

  it('a big first load ends with the same indexes and correct balances', async () => {
    const before = await indexes(db());
    const r = await importCsv(db(), 'invoices', file(12_000), opts('2024-06-30'));
    assert.deepEqual([r.inserted, r.rejectedRows], [12_000, 0]);
    assert.deepEqual(await indexes(db()), before);
    assert.deepEqual(await drift(db()), []);
    const [counts] = await db().query<{ open: number; adjusted: number }>(
      `SELECT count(*) FILTER (WHERE open_balance > 0)::int8 AS open,
              (SELECT count(*) FROM applications WHERE kind = 'adjustment')::int8 AS adjusted FROM invoices`,
    );
    // every 10th row is paid (adjusted, 0 open); of the others, balance 0.00 (adjusted, 0 open),
    // 10.00 (adjusted, open), 25.00 or empty (open)
    assert.deepEqual(counts, { open: 8_400, adjusted: 6_600 });
    // a second load of the same file is not a first load: unchanged, indexes untouched
    const again = await importCsv(db(), 'invoices', file(12_000), opts('2024-07-01'));
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 12_000]);
    assert.deepEqual(await indexes(db()), before);
  });
});
