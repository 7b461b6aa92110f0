// Loading the demo ledger through the real import: every record is accepted, the database
// holds what the generator made, and the import's payment matching (applied_to, reference,
// oldest-first) lands every payment where the generator meant it — the open balances agree
// invoice by invoice.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  applyDemoDefaults,
  DEMO_ORGANISATION,
  demoMarker,
  generateDemoData,
  loadDemoData,
  setDemoOrganisation,
  storeSummary,
} from '../../src/demo/index.ts';
import { formatAmount } from '../../src/ledger/money.ts';
import { describeEachEngine } from '../support/db.ts';

const TODAY = '2026-11-25';
const data = generateDemoData({ today: TODAY });

describeEachEngine('demo load', (db) => {
  it('sets the organisation and installs the default campaigns and templates once', async () => {
    await setDemoOrganisation(db());
    const [org] = await db().query<{
      name: string;
      time_zone: string;
      default_currency: string;
      language: string;
    }>('SELECT name, time_zone, default_currency, language FROM organisation');
    assert.deepEqual(
      { ...org, default_currency: org!.default_currency.trim() },
      { name: DEMO_ORGANISATION.name, time_zone: 'Europe/London', default_currency: 'EUR', language: 'en' },
    );
    const installed = await applyDemoDefaults(db());
    assert.ok(installed.campaigns >= 1, `${installed.campaigns} campaigns`);
    assert.equal(installed.templates, 40, 'ten keys in en, de, fr and es');
    assert.deepEqual(
      await applyDemoDefaults(db()),
      { campaigns: 0, templates: 0 },
      'a second call finds them',
    );
  });

  it('loads every record through the import with nothing rejected', async () => {
    assert.equal(await demoMarker(db()), null);
    const steps: string[] = [];
    const result = await loadDemoData(db(), data, { onProgress: (s) => steps.push(s) });
    assert.deepEqual(steps, ['customers', 'contacts', 'invoices', 'credit-notes', 'payments', 'promises']);
    assert.deepEqual(result, {
      customers: data.customers.length,
      contacts: data.contacts.length,
      invoices: data.invoices.length,
      creditNotes: data.creditNotes.length,
      payments: data.payments.length,
      promises: data.promises.length,
    });
    assert.deepEqual(await demoMarker(db()), { seed: data.seed, today: TODAY });
  });

  it('holds the generated counts', async () => {
    const [counts] = await db().query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM customers)::int AS customers,
              (SELECT count(*) FROM contacts)::int AS contacts,
              (SELECT count(*) FROM invoices)::int AS invoices,
              (SELECT count(*) FROM invoices WHERE disputed)::int AS disputed,
              (SELECT count(*) FROM invoices WHERE status = 'void')::int AS void,
              (SELECT count(*) FROM credit_notes)::int AS credit_notes,
              (SELECT count(*) FROM payments)::int AS payments,
              (SELECT count(*) FROM promises WHERE status = 'open')::int AS promises,
              (SELECT count(*) FROM customers WHERE paused_until > $1::date)::int AS paused`,
      [TODAY],
    );
    assert.deepEqual(counts, {
      customers: data.customers.length,
      contacts: data.contacts.length,
      invoices: data.invoices.length,
      disputed: data.invoices.filter((inv) => inv.disputed).length,
      void: data.invoices.filter((inv) => inv.status === 'void').length,
      credit_notes: data.creditNotes.length,
      payments: data.payments.length,
      promises: data.promises.length,
      paused: 1,
    });
  });

  it('applies every payment and credit note in full, where the generator meant it', async () => {
    const [unapplied] = await db().query<{ payments: number; credits: number }>(
      `SELECT (SELECT count(*) FROM payments p
                WHERE p.amount <> (SELECT coalesce(sum(a.amount), 0) FROM applications a WHERE a.payment_id = p.id))::int AS payments,
              (SELECT count(*) FROM credit_notes c
                WHERE c.amount <> (SELECT coalesce(sum(a.amount), 0) FROM applications a WHERE a.credit_note_id = c.id))::int AS credits`,
    );
    assert.deepEqual(unapplied, { payments: 0, credits: 0 });
    const rows = await db().query<{ number: string; open_balance: number; currency: string }>(
      `SELECT number, open_balance, currency FROM invoices WHERE status = 'open' AND open_balance <> 0 ORDER BY number`,
    );
    const actual = Object.fromEntries(
      rows.map((r) => [r.number, formatAmount(r.open_balance, r.currency.trim())]),
    );
    assert.deepEqual(actual, data.openBalances);
  });

  it('summarises open AR per currency', async () => {
    const summary = await storeSummary(db());
    assert.equal(summary.customers, 200);
    assert.deepEqual(Object.keys(summary.openAr), ['EUR', 'GBP', 'USD']);
    const expectedEur = Object.entries(data.openBalances)
      .filter(([n]) => data.invoices.find((inv) => inv.number === n)!.currency === 'EUR')
      .reduce((s, [, b]) => s + Math.round(Number(b) * 100), 0);
    assert.equal(summary.openAr.EUR!.amount, formatAmount(expectedEur, 'EUR'));
  });
});
