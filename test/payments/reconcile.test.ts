// End to end: a hand-made camt.053 referencing the seeded invoices (support.ts), matched and
// applied; idempotent on a second import; an overlapping file pays nothing twice; a dry run
// writes nothing; a person assigns the unmatched credit; the payer's IBAN is learnt.
// Calendar (Nov 2026): invoices due 11-01 … 11-20, statement booked 11-24, today 11-25.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseCamt } from '../../src/payments/bank/camt.ts';
import {
  BankFileError,
  getStatement,
  listEntries,
  listStatements,
  matchEntryByHand,
  reconcileFile,
} from '../../src/payments/index.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { UserError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';
import { camt053 } from './camt-fixture.ts';
import { balances, planMessage, seedLedger, TODAY } from './support.ts';

const ACME_IBAN = 'DE89370400440532013000';

const FILE = camt053([
  // 1. a number written loosely: "inv 01001" is INV-1001
  {
    amount: '100.00',
    credit: true,
    date: '2026-11-24',
    ref: 'B1',
    remittance: 'Invoice inv 01001',
    name: 'ACME GMBH',
    iban: ACME_IBAN,
  },
  // 2. one transfer for two invoices
  { amount: '290.00', credit: true, date: '2026-11-24', ref: 'B2', remittance: 'INV-1002/INV-1003 thanks' },
  // 3. no reference; the payer's name finds Borealis, whose two invoices add up to it
  { amount: '175.50', credit: true, date: '2026-11-24', ref: 'B3', name: 'Borealis Limited' },
  // 4. an unknown payer, but exactly one open invoice in the ledger has this balance
  { amount: '999.99', credit: true, date: '2026-11-24', ref: 'B4', name: 'Cirrus Treasury Dept' },
  // 5. nothing to go on
  { amount: '12.34', credit: true, date: '2026-11-24', ref: 'B5', remittance: 'donation' },
  // 6. money out, 7. the reversal of an earlier credit (booked as a debit)
  { amount: '20.00', credit: false, date: '2026-11-24', ref: 'B6', remittance: 'bank fees' },
  { amount: '100.00', credit: false, reversal: true, date: '2026-11-24', ref: 'B7', remittance: 'INV-2001' },
]);

const bytes = (text: string) => new TextEncoder().encode(text);

async function counts(db: Db) {
  type Counts = {
    payments: number;
    applications: number;
    files: number;
    entries: number;
    events: number;
    accounts: number;
  };
  const [row] = await db.query<Counts>(
    `SELECT (SELECT count(*) FROM payments)::int8 AS payments, (SELECT count(*) FROM applications)::int8 AS applications,
            (SELECT count(*) FROM bank_files)::int8 AS files, (SELECT count(*) FROM bank_entries)::int8 AS entries,
            (SELECT count(*) FROM audit_log)::int8 AS events, (SELECT count(*) FROM bank_accounts)::int8 AS accounts`,
  );
  return { ...row!, balances: await balances(db) };
}

describeEachEngine('reconcile', (db) => {
  const opts = { actor: 'test', today: TODAY };

  it('a dry run shows the matches and writes nothing', async () => {
    await seedLedger(db());
    const before = await counts(db());
    const dry = await reconcileFile(db(), bytes(FILE), { ...opts, dryRun: true });
    assert.equal(dry.fileId, null);
    assert.deepEqual(
      dry.report.statements[0]!.entries.map((e) => e.status),
      ['matched', 'matched', 'matched', 'matched', 'unmatched', 'ignored', 'ignored'],
    );
    assert.deepEqual(await counts(db()), before);
  });

  it('matches, applies and reports in the §2.2 shape', async () => {
    const reminder = await planMessage(db(), 'C-1', ['INV-1001', 'INV-1002', 'INV-1003'], TODAY);
    const outcome = await reconcileFile(db(), bytes(FILE), { ...opts, fileName: 'stmt.xml' });
    assert.equal(outcome.alreadyImported, false);
    const [statement] = outcome.report.statements;
    assert.deepEqual(Object.keys(outcome.report), ['format', 'statements']);
    assert.equal(outcome.report.format, 'camt.053');
    assert.deepEqual(
      { ...statement, entries: undefined },
      {
        account: 'DE02120300000000202051',
        currency: 'EUR',
        opening_balance: '1000.00',
        closing_balance: '2597.83',
        entries: undefined,
      },
    );
    assert.deepEqual(statement!.entries[0], {
      date: '2026-11-24',
      amount: '100.00',
      currency: 'EUR',
      reversal: false,
      reference: 'B1',
      remittance: 'Invoice inv 01001',
      counterparty: 'ACME GMBH',
      status: 'matched',
      invoices: ['INV-1001'],
    });
    assert.deepEqual(
      statement!.entries.map((e) => [e.amount, e.status, e.invoices]),
      [
        ['100.00', 'matched', ['INV-1001']],
        ['290.00', 'matched', ['INV-1002', 'INV-1003']],
        ['175.50', 'matched', ['INV-2001', 'INV-2002']],
        ['999.99', 'matched', ['INV-3001']],
        ['12.34', 'unmatched', []],
        ['-20.00', 'ignored', []],
        ['-100.00', 'ignored', []],
      ],
    );
    assert.deepEqual(outcome.totals.matched, { count: 4, amounts: { EUR: 156549 } });
    // every invoice is settled; the debit and the reversal paid nothing
    assert.deepEqual(Object.values(await balances(db())), [0, 0, 0, 0, 0, 0]);
    const [reminderNow] = await db().query<{ status: string }>(
      'SELECT status FROM outbox_messages WHERE id = $1',
      [reminder],
    );
    assert.equal(reminderNow?.status, 'cancelled');
    const sources = await db().query<{ source: string; n: number }>(
      'SELECT source, count(*)::int8 AS n FROM payments GROUP BY source',
    );
    assert.deepEqual(sources, [{ source: 'bank', n: 4 }]);
    // Acme's IBAN was learnt from the payment matched by its invoice number
    const accounts = await db().query<{ iban: string; external_id: string }>(
      'SELECT a.iban, c.external_id FROM bank_accounts a JOIN customers c ON c.id = a.customer_id',
    );
    assert.deepEqual(accounts, [{ iban: ACME_IBAN, external_id: 'C-1' }]);
    const timeline = await db().query<{ action: string }>(
      `SELECT a.action FROM audit_log a JOIN customers c ON c.id = a.customer_id
        WHERE c.external_id = 'C-1' AND a.actor = 'test' AND a.action <> 'import.invoices' AND a.action <> 'import.customers'
        ORDER BY a.id`,
    );
    assert.deepEqual(
      timeline.map((t) => t.action),
      ['payment.recorded', 'payment.recorded', 'message.cancelled'],
    );
  });

  it('the same file again changes nothing and reports the first decisions', async () => {
    const before = await counts(db());
    const again = await reconcileFile(db(), bytes(FILE), opts);
    assert.equal(again.alreadyImported, true);
    assert.deepEqual(
      again.report.statements[0]!.entries.map((e) => e.status),
      ['matched', 'matched', 'matched', 'matched', 'unmatched', 'ignored', 'ignored'],
    );
    assert.deepEqual(again.report.statements[0]!.entries[1]!.invoices, ['INV-1002', 'INV-1003']);
    assert.deepEqual(await counts(db()), before);
  });

  it('an overlapping file does not pay an entry twice; a known IBAN finds the customer', async () => {
    const before = await counts(db());
    const overlapping = camt053(
      [
        // the same booking as B1 (another file, e.g. the day's camt.054 and then its camt.053)
        {
          amount: '100.00',
          credit: true,
          date: '2026-11-24',
          ref: 'B1',
          remittance: 'Invoice inv 01001',
          iban: ACME_IBAN,
        },
        // from Acme's learnt IBAN, no reference; nothing is open, so it is Acme's credit
        { amount: '10.00', credit: true, date: '2026-11-25', ref: 'B8', iban: ACME_IBAN },
      ],
      'DE02120300000000202051',
      'STMT-2',
    );
    const outcome = await reconcileFile(db(), bytes(overlapping), opts);
    assert.equal(outcome.repeatedEntries, 1);
    assert.deepEqual(
      outcome.report.statements[0]!.entries.map((e) => [e.status, e.invoices]),
      [
        ['matched', ['INV-1001']],
        ['matched', []],
      ],
    );
    const after = await counts(db());
    assert.equal(after.payments, before.payments + 1);
    assert.deepEqual(after.balances, before.balances);
    const [credit] = await db().query<{ credit: number }>(
      `SELECT (p.amount - coalesce((SELECT sum(amount) FROM applications a WHERE a.payment_id = p.id), 0))::int8 AS credit
         FROM payments p JOIN customers c ON c.id = p.customer_id WHERE c.external_id = 'C-1' AND p.amount = 1000`,
    );
    assert.equal(credit?.credit, 1000);
  });

  it('lists statements and the unmatched queue; a person assigns the unmatched credit', async () => {
    const [latest, first] = await listStatements(db(), { limit: 10 });
    assert.equal(latest!.entries_total, 1);
    assert.deepEqual([first!.matched, first!.unmatched, first!.ignored], [4, 1, 2]);
    const statement = await getStatement(db(), first!.id);
    assert.equal(statement.entries.length, 7);
    assert.equal(statement.entries[0]!.customer_external_id, 'C-1');
    const queue = await listEntries(db(), { status: 'unmatched', limit: 10 });
    assert.deepEqual(
      queue.map((e) => e.amount),
      ['12.34'],
    );
    const entryId = queue[0]!.id;
    await assert.rejects(
      matchEntryByHand(db(), {
        entryId: statement.entries[5]!.id,
        invoices: [{ number: 'INV-1001' }],
        actor: 'user:a',
        today: TODAY,
      }),
      (err) => err instanceof UserError && /is ignored/.test(err.message),
    );
    await assert.rejects(
      matchEntryByHand(db(), {
        entryId,
        invoices: [{ number: 'INV-1001' }, { number: 'INV-2001' }],
        actor: 'user:a',
        today: TODAY,
      }),
      /belongs to another customer/,
    );
    const done = await matchEntryByHand(db(), {
      entryId,
      invoices: [],
      customerExternalId: 'C-3',
      actor: 'user:a',
      today: TODAY,
    });
    assert.equal(done.status, 'matched');
    assert.equal(done.rule, 'manual');
    assert.equal(done.customer_external_id, 'C-3');
    assert.deepEqual(await listEntries(db(), { status: 'unmatched', limit: 10 }), []);
  });

  it('a malformed file is one clear error and writes nothing', async () => {
    const before = await counts(db());
    const broken = FILE.replace('<Amt Ccy="EUR">290.00</Amt>', '<Amt Ccy="EUR">29O.00</Amt>');
    await assert.rejects(reconcileFile(db(), bytes(broken), opts), (err) => {
      assert.ok(err instanceof BankFileError);
      assert.match(err.message, /Stmt\[1\]\/Ntry\[2\]\/Amt: "29O.00" is not an amount/);
      return true;
    });
    await assert.rejects(
      reconcileFile(db(), bytes(FILE.replace('</Stmt>', '')), opts),
      /not well-formed at line/,
    );
    assert.deepEqual(await counts(db()), before);
    assert.equal(parseCamt(FILE).statements[0]!.entries.length, 7);
  });
});
