// The ledger import (PRODUCT §2.1) on every engine: each kind, idempotent re-import,
// all-or-nothing rejection (compared with full table dumps), --partial, --dry-run, --map,
// date formats, BOM and ';', quoted fields, unknown customers, JPY/KWD amounts, balances and
// payment allocation.
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  customerCredit,
  type ImportOptions,
  importCsv,
  importRecords,
} from '../../src/ledger/import/index.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { UserError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'import');
const opts = (extra: Partial<ImportOptions> = {}): ImportOptions => ({
  actor: 'test',
  today: '2024-06-30',
  ...extra,
});

const TABLES = ['customers', 'contacts', 'invoices', 'payments', 'credit_notes', 'applications', 'audit_log'];

/** Every row of every ledger table, for "nothing changed" comparisons. */
async function dumpLedger(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = await db.query(`SELECT * FROM ${t} ORDER BY id`);
  return out;
}

async function balances(db: Db): Promise<Record<string, [number, number]>> {
  const rows = await db.query<{ number: string; amount: number; open_balance: number }>(
    'SELECT number, amount, open_balance FROM invoices ORDER BY number',
  );
  return Object.fromEntries(rows.map((r) => [r.number, [r.amount, r.open_balance]]));
}

const CUSTOMERS =
  'external_id,name,currency,payment_terms_days\nC1,Acme,EUR,14\nC2,Beta,EUR,30\nJ1,Nippon,JPY,30\n';

describeEachEngine('import: customers and contacts', (db) => {
  it('reads a BOM, ";" separators, quoted fields with separators and line breaks', async () => {
    const r = await importCsv(
      db(),
      'customers',
      createReadStream(join(FIXTURES, 'customers-bom-semicolon.csv')),
      opts(),
    );
    assert.deepEqual(
      { ...r, rejected: r.rejected.length },
      { kind: 'customers', rows: 3, inserted: 3, updated: 0, unchanged: 0, rejected: 0, rejectedRows: 0 },
    );
    const rows = await db().query(
      `SELECT external_id, name, currency, time_zone, language, payment_terms_days, credit_limit, tags, priority, custom_fields
         FROM customers ORDER BY external_id`,
    );
    assert.deepEqual(rows, [
      {
        external_id: 'C1',
        name: 'Acme; Inc.',
        currency: 'EUR',
        time_zone: 'Europe/Berlin',
        language: 'de',
        payment_terms_days: 14,
        credit_limit: 500050,
        tags: ['key', 'export'],
        priority: 'high',
        custom_fields: { Region: 'North' },
      },
      {
        external_id: 'C2',
        name: 'Tokyo "Trading"\r\nDivision',
        currency: 'JPY',
        time_zone: 'Asia/Tokyo',
        language: 'ja',
        payment_terms_days: 30,
        credit_limit: 1000000,
        tags: [],
        priority: 'low',
        custom_fields: {},
      },
      {
        external_id: 'C3',
        name: 'Gulf Co',
        currency: 'KWD',
        time_zone: 'Asia/Kuwait',
        language: 'ar',
        payment_terms_days: 45,
        credit_limit: 1500125,
        tags: ['a', 'b'],
        priority: 'normal',
        custom_fields: { Region: 'South' },
      },
    ]);
  });

  it('re-importing the same file changes nothing and writes no timeline events', async () => {
    const before = await dumpLedger(db());
    const r = await importCsv(
      db(),
      'customers',
      readFileSync(join(FIXTURES, 'customers-bom-semicolon.csv')).toString(),
      opts(),
    );
    assert.deepEqual([r.inserted, r.updated, r.unchanged], [0, 0, 3]);
    assert.deepEqual(await dumpLedger(db()), before);
  });

  it('updates only the changed row, keeps columns the file does not have, one event per changed customer', async () => {
    const events = async () => (await db().query('SELECT count(*)::int8 AS n FROM audit_log'))[0]?.n;
    const n0 = Number(await events());
    const r = await importCsv(
      db(),
      'customers',
      'external_id,name\nC1,Acme; Inc.\nC3,Gulf Company\n',
      opts(),
    );
    assert.deepEqual([r.inserted, r.updated, r.unchanged], [0, 1, 1]);
    const [c3] = await db().query('SELECT name, currency, tags FROM customers WHERE external_id = $1', [
      'C3',
    ]);
    assert.deepEqual(c3, { name: 'Gulf Company', currency: 'KWD', tags: ['a', 'b'] });
    assert.equal(Number(await events()), n0 + 1);
    const [ev] = await db().query<{ action: string; data: { updated: number; rows: number[] } }>(
      'SELECT action, data FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    assert.equal(ev?.action, 'import.customers');
    assert.deepEqual([ev?.data.updated, ev?.data.rows], [1, [3]]);
  });

  it('matches headers case-insensitively and renames with --map', async () => {
    const r = await importCsv(
      db(),
      'customers',
      'Kundennummer,Firma, PRIORITY \nM1,Map GmbH,low\n',
      opts({ map: { Kundennummer: 'external_id', Firma: 'name' } }),
    );
    assert.equal(r.inserted, 1);
    const [m1] = await db().query('SELECT name, priority FROM customers WHERE external_id = $1', ['M1']);
    assert.deepEqual(m1, { name: 'Map GmbH', priority: 'low' });
    await assert.rejects(
      importCsv(db(), 'customers', 'a,b\n1,2\n', opts({ map: { a: 'external_id', b: 'nom' } })),
      (e: unknown) => e instanceof UserError && /"nom" is not a column of customers/.test(e.message),
    );
    await assert.rejects(
      importCsv(db(), 'customers', 'external_id\nX\n', opts()),
      (e: unknown) => e instanceof UserError && /missing required column name/.test(e.message),
    );
  });

  it('rejects bad customer values with row, column, value and reason', async () => {
    const before = await dumpLedger(db());
    const r = await importCsv(
      db(),
      'customers',
      'external_id,name,currency,time_zone,priority,payment_terms_days,language,account_manager_email\n' +
        'B1,Bad,EURO,Mars/Base,urgent,-3,english,not-an-email\nB2,,EUR,,,,,\n',
      opts(),
    );
    assert.equal(r.rejectedRows, 2);
    assert.deepEqual(
      r.rejected.map((e) => [e.row, e.column, e.value]),
      [
        [2, 'currency', 'EURO'],
        [2, 'language', 'english'],
        [2, 'time_zone', 'Mars/Base'],
        [2, 'payment_terms_days', '-3'],
        [2, 'account_manager_email', 'not-an-email'],
        [2, 'priority', 'urgent'],
        [3, 'name', ''],
      ],
    );
    assert.deepEqual(await dumpLedger(db()), before);
  });

  it('imports contacts: receives_dunning follows the role unless given, emails are checked', async () => {
    const r = await importCsv(
      db(),
      'contacts',
      'external_id,customer_external_id,name,email,role,receives_dunning\n' +
        'K1,C1,Ann,ann@acme.test,billing,\nK2,C1,Bob,bob@acme.test,key,\nK3,C1,Cy,cy@acme.test,ap,no\nK4,C1,Di,di@acme.test,other,YES\n',
      opts(),
    );
    assert.equal(r.inserted, 4);
    const rows = await db().query('SELECT external_id, receives_dunning FROM contacts ORDER BY external_id');
    assert.deepEqual(
      rows.map((x) => x.receives_dunning),
      [true, false, false, true],
    );
    const bad = await importCsv(
      db(),
      'contacts',
      'external_id,customer_external_id,email\nK9,C1,ann@@x\nK8,NOPE,ok@x.test\n',
      opts(),
    );
    assert.deepEqual(
      bad.rejected.map((e) => [e.row, e.column]),
      [
        [2, 'email'],
        [3, 'customer_external_id'],
      ],
    );
  });
});

describeEachEngine('import: invoices', (db) => {
  it('loads customers, then invoices with defaults: external_id = number, org currency, due = issue + terms', async () => {
    await importCsv(db(), 'customers', CUSTOMERS, opts());
    const r = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,amount,currency,po_number\nINV-1,C1,2024-01-10,100.00,,PO-9\nINV-2,C2,2024-01-20,50.5,,\nINV-3,J1,2024-01-05,12345,JPY,\n',
      opts(),
    );
    assert.deepEqual([r.rows, r.inserted, r.rejectedRows], [3, 3, 0]);
    const rows = await db().query(
      'SELECT external_id, number, due_date, currency, amount, open_balance, po_number, status FROM invoices ORDER BY number',
    );
    assert.deepEqual(rows, [
      {
        external_id: 'INV-1',
        number: 'INV-1',
        due_date: '2024-01-24',
        currency: 'EUR',
        amount: 10000,
        open_balance: 10000,
        po_number: 'PO-9',
        status: 'open',
      },
      {
        external_id: 'INV-2',
        number: 'INV-2',
        due_date: '2024-02-19',
        currency: 'EUR',
        amount: 5050,
        open_balance: 5050,
        po_number: null,
        status: 'open',
      },
      {
        external_id: 'INV-3',
        number: 'INV-3',
        due_date: '2024-02-04',
        currency: 'JPY',
        amount: 12345,
        open_balance: 12345,
        po_number: null,
        status: 'open',
      },
    ]);
  });

  it('reads the four date layouts with --date-format', async () => {
    const cases = [
      ['invoices-m-d-yyyy.csv', 'M/D/YYYY', 'US'],
      ['invoices-d-m-yyyy.csv', 'D/M/YYYY', 'EU'],
      ['invoices-dd-mm-yyyy.csv', 'DD.MM.YYYY', 'DE'],
    ] as const;
    for (const [file, dateFormat, prefix] of cases) {
      const r = await importCsv(
        db(),
        'invoices',
        createReadStream(join(FIXTURES, file)),
        opts({ dateFormat }),
      );
      assert.equal(r.inserted, 2, file);
      const rows = await db().query<{ issue_date: string }>(
        'SELECT issue_date FROM invoices WHERE number LIKE $1 ORDER BY number',
        [`${prefix}-%`],
      );
      assert.deepEqual(
        rows.map((x) => x.issue_date),
        ['2024-01-31', '2024-12-01'],
        file,
      );
    }
    const wrong = await importCsv(
      db(),
      'invoices',
      createReadStream(join(FIXTURES, 'invoices-m-d-yyyy.csv')),
      opts(),
    );
    assert.match(wrong.rejected[0]?.reason ?? '', /not a date \(expected YYYY-MM-DD; use --date-format/);
  });

  it('parses JPY and KWD by their exponents and refuses extra decimals', async () => {
    const r = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,amount,currency\nK-1,C1,2024-02-01,12.345,KWD\nK-2,C1,2024-02-01,10.5,JPY\n',
      opts({ partial: true }),
    );
    assert.equal(r.inserted, 1);
    assert.deepEqual(
      r.rejected.map((e) => [e.row, e.column, e.reason]),
      [[3, 'amount', 'has more than 0 decimals, which JPY does not have']],
    );
    const [k1] = await db().query('SELECT amount, currency FROM invoices WHERE number = $1', ['K-1']);
    assert.deepEqual(k1, { amount: 12345, currency: 'KWD' });
  });

  it('a rejected file leaves every table exactly as it was, and lists every bad row', async () => {
    const before = await dumpLedger(db());
    const r = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,due_date,amount\n' +
        'NEW-1,C1,2024-03-01,,10.00\n' + // fine
        'NEW-2,C1,2024-03-01,2024-13-01,10.00\n' +
        'NEW-3,NOBODY,2024-03-01,,10.00\n' +
        'NEW-1,C2,2024-03-02,,1.00\n' + // duplicate of row 2
        'INV-1,C2,2024-03-01,,-5\n',
      opts(),
    );
    assert.deepEqual([r.inserted, r.updated, r.unchanged, r.rejectedRows], [0, 0, 0, 4]);
    assert.deepEqual(
      r.rejected.map((e) => [e.row, e.column, e.value]),
      [
        [3, 'due_date', '2024-13-01'],
        [4, 'customer_external_id', 'NOBODY'],
        [5, 'external_id', 'NEW-1'],
        [6, 'amount', '-5'],
      ],
    );
    assert.deepEqual(await dumpLedger(db()), before);
  });

  it('--partial commits the valid rows and still lists the bad ones; --dry-run writes nothing', async () => {
    const file =
      'number,customer_external_id,issue_date,amount\nP-1,C1,2024-03-01,10.00\nP-2,C1,03/01/2024,10.00\n';
    const before = await dumpLedger(db());
    const dry = await importCsv(db(), 'invoices', file, opts({ dryRun: true, partial: true }));
    assert.deepEqual([dry.inserted, dry.rejectedRows], [1, 1]);
    assert.deepEqual(await dumpLedger(db()), before);
    const r = await importCsv(db(), 'invoices', file, opts({ partial: true }));
    assert.deepEqual([r.inserted, r.rejectedRows, r.rejected[0]?.row], [1, 1, 3]);
    assert.equal((await db().query('SELECT 1 FROM invoices WHERE number = $1', ['P-1'])).length, 1);
  });

  it('creates unknown customers only with createCustomers', async () => {
    const file = 'number,customer_external_id,issue_date,amount\nNC-1,NEWCO,2024-03-01,10.00\n';
    const refused = await importCsv(db(), 'invoices', file, opts());
    assert.equal(refused.rejected[0]?.column, 'customer_external_id');
    const r = await importCsv(db(), 'invoices', file, opts({ createCustomers: true }));
    assert.equal(r.inserted, 1);
    const [c] = await db().query('SELECT name FROM customers WHERE external_id = $1', ['NEWCO']);
    assert.deepEqual(c, { name: 'NEWCO' });
  });

  it('turns a balance below the amount into one adjustment, recomputed on re-import', async () => {
    const file = (balance: string, status = 'open') =>
      `number,customer_external_id,issue_date,amount,balance,status\nB-1,C2,2024-04-01,100.00,${balance},${status}\n`;
    await importCsv(db(), 'invoices', file('40.00'), opts());
    const adj = async () =>
      db().query(
        `SELECT a.amount, a.date FROM applications a JOIN invoices i ON i.id = a.invoice_id
          WHERE i.number = 'B-1' AND a.kind = 'adjustment'`,
      );
    assert.deepEqual(await adj(), [{ amount: 6000, date: '2024-06-30' }]);
    assert.deepEqual((await balances(db()))['B-1'], [10000, 4000]);
    const again = await importCsv(db(), 'invoices', file('40.00'), opts({ today: '2024-07-01' }));
    assert.deepEqual([again.updated, again.unchanged], [0, 1]);
    assert.deepEqual(await adj(), [{ amount: 6000, date: '2024-06-30' }]);
    const lower = await importCsv(db(), 'invoices', file('10.00'), opts({ today: '2024-07-02' }));
    assert.equal(lower.updated, 1);
    assert.deepEqual(await adj(), [{ amount: 9000, date: '2024-07-02' }]);
    await importCsv(db(), 'invoices', file('', 'paid'), opts());
    assert.deepEqual((await balances(db()))['B-1'], [10000, 0]);
    await importCsv(db(), 'invoices', file('', 'open'), opts());
    assert.deepEqual(await adj(), []);
    assert.deepEqual((await balances(db()))['B-1'], [10000, 10000]);
  });
});

describeEachEngine('import: payments and credit notes', (db) => {
  // C1 has three EUR invoices (due Jan 31, Feb 29, Mar 31) and one USD invoice.
  it('sets up customers and invoices', async () => {
    await importCsv(db(), 'customers', CUSTOMERS, opts());
    const r = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,due_date,amount,currency,balance\n' +
        'A-1,C1,2024-01-01,2024-01-31,100.00,EUR,\n' +
        'A-2,C1,2024-02-01,2024-02-29,200.00,EUR,\n' +
        'A-3,C1,2024-03-01,2024-03-31,300.00,EUR,\n' +
        'A-4,C1,2024-01-01,2024-01-15,50.00,USD,\n' +
        'B-1,C2,2024-01-01,2024-01-31,80.00,EUR,30.00\n',
      opts(),
    );
    assert.equal(r.inserted, 5);
  });

  it('allocates by applied_to, by reference and oldest-first, keeping an overpayment as credit', async () => {
    const r = await importCsv(
      db(),
      'payments',
      'external_id,customer_external_id,date,amount,currency,reference,applied_to\n' +
        'P-1,C1,2024-04-01,150.00,EUR,,A-3:150.00\n' +
        'P-2,C1,2024-04-02,220.00,EUR,Payment A-2 thanks,\n' +
        'P-3,C1,2024-04-03,500.00,EUR,,\n',
      opts(),
    );
    assert.deepEqual([r.inserted, r.rejectedRows], [3, 0]);
    // P-1: A-3 150 (applied_to). P-2: A-2 200 (reference), then A-1 20 (oldest).
    // P-3: A-1 80, A-3 150, 270 left as credit. USD A-4 untouched.
    assert.deepEqual(await balances(db()), {
      'A-1': [10000, 0],
      'A-2': [20000, 0],
      'A-3': [30000, 0],
      'A-4': [5000, 5000],
      'B-1': [8000, 3000],
    });
    const [c1] = await db().query<{ id: number }>("SELECT id FROM customers WHERE external_id = 'C1'");
    assert.deepEqual(await customerCredit(db(), c1!.id), [{ currency: 'EUR', amount: 27000 }]);
  });

  it('re-importing the same payments changes nothing; a changed amount re-allocates', async () => {
    const file = (p3: string) =>
      'external_id,customer_external_id,date,amount,currency,reference,applied_to\n' +
      'P-1,C1,2024-04-01,150.00,EUR,,A-3:150.00\n' +
      'P-2,C1,2024-04-02,220.00,EUR,Payment A-2 thanks,\n' +
      `P-3,C1,2024-04-03,${p3},EUR,,\n`;
    const before = await dumpLedger(db());
    const same = await importCsv(db(), 'payments', file('500.00'), opts());
    assert.deepEqual([same.inserted, same.updated, same.unchanged], [0, 0, 3]);
    assert.deepEqual(await dumpLedger(db()), before);
    const changed = await importCsv(db(), 'payments', file('100.00'), opts());
    assert.deepEqual([changed.updated, changed.unchanged], [1, 2]);
    // P-3 now 100: A-1 takes 80, A-3 20; A-3 keeps 130 open
    assert.deepEqual((await balances(db()))['A-3'], [30000, 13000]);
    const [c1] = await db().query<{ id: number }>("SELECT id FROM customers WHERE external_id = 'C1'");
    assert.deepEqual(await customerCredit(db(), c1!.id), []);
  });

  it('a payment for an adjusted invoice consumes the adjustment first (no double counting)', async () => {
    // B-1: 80.00 with balance 30.00 → adjustment 50.00 dated 2024-06-30
    const r = await importCsv(
      db(),
      'payments',
      'external_id,customer_external_id,date,amount,reference\nQ-1,C2,2024-05-10,50.00,B-1\n',
      opts(),
    );
    assert.equal(r.inserted, 1);
    assert.deepEqual((await balances(db()))['B-1'], [8000, 3000]);
    const apps = await db().query(
      `SELECT a.kind, a.amount, a.date FROM applications a JOIN invoices i ON i.id = a.invoice_id
        WHERE i.number = 'B-1' ORDER BY a.id`,
    );
    assert.deepEqual(apps, [{ kind: 'payment', amount: 5000, date: '2024-05-10' }]);
    // the invoice file imported again with the same balance adds no adjustment back
    const again = await importCsv(
      db(),
      'invoices',
      'number,customer_external_id,issue_date,due_date,amount,currency,balance\nB-1,C2,2024-01-01,2024-01-31,80.00,EUR,30.00\n',
      opts(),
    );
    assert.deepEqual([again.updated, again.unchanged], [0, 1]);
    assert.deepEqual((await balances(db()))['B-1'], [8000, 3000]);
  });

  it('rejects applied_to naming an unknown invoice, another customer’s invoice or another currency', async () => {
    const before = await dumpLedger(db());
    const r = await importCsv(
      db(),
      'payments',
      'external_id,customer_external_id,date,amount,currency,applied_to\n' +
        'X-1,C1,2024-05-01,10.00,EUR,NOPE-1\n' +
        'X-2,C1,2024-05-01,10.00,EUR,B-1:5.00\n' +
        'X-3,C1,2024-05-01,10.00,EUR,A-4\n' +
        'X-4,C1,2024-05-01,10.00,EUR,A-1:20.00\n' +
        'X-5,C1,2024-05-01,0,EUR,\n',
      opts(),
    );
    assert.deepEqual(
      r.rejected.map((e) => [e.row, e.column, e.reason]),
      [
        [2, 'applied_to', 'no invoice has the number NOPE-1'],
        [3, 'applied_to', 'invoice B-1 belongs to another customer'],
        [4, 'applied_to', 'invoice A-4 is in USD, not EUR'],
        [5, 'applied_to', 'applies 20.00, more than the amount 10.00'],
        [6, 'amount', 'must be greater than 0'],
      ],
    );
    assert.deepEqual(await dumpLedger(db()), before);
  });

  it('allocates credit notes by applied_to, else oldest first', async () => {
    const r = await importCsv(
      db(),
      'credit-notes',
      'external_id,customer_external_id,number,date,amount,currency,applied_to\n' +
        'CN-1,C1,CN-1,2024-05-05,30.00,EUR,A-3:30.00\n' +
        'CN-2,C1,CN-2,2024-05-06,20.00,USD,\n',
      opts(),
    );
    assert.equal(r.inserted, 2);
    assert.deepEqual((await balances(db()))['A-3'], [30000, 10000]);
    assert.deepEqual((await balances(db()))['A-4'], [5000, 3000]);
  });

  it('importRecords: JSON records through the same path, rows numbered from 1', async () => {
    const r = await importRecords(
      db(),
      'customers',
      [
        { external_id: 'R1', name: 'Rec One', tags: ['x', 'y'], payment_terms_days: 10, vip: true },
        { external_id: 'R2', name: null },
      ],
      opts(),
    );
    assert.deepEqual(
      r.rejected.map((e) => [e.row, e.column]),
      [[2, 'name']],
    );
    const ok = await importRecords(
      db(),
      'customers',
      [{ external_id: 'R1', name: 'Rec One', tags: ['x', 'y'], payment_terms_days: 10, vip: true }],
      opts(),
    );
    assert.equal(ok.inserted, 1);
    const [r1] = await db().query(
      "SELECT tags, payment_terms_days, custom_fields FROM customers WHERE external_id = 'R1'",
    );
    assert.deepEqual(r1, { tags: ['x', 'y'], payment_terms_days: 10, custom_fields: { vip: 'true' } });
    await assert.rejects(
      importRecords(db(), 'customers', [{ external_id: 'R3', name: { a: 1 } }], opts()),
      /record 1, name: must be a string/,
    );
  });
});
