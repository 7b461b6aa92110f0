// The demo generator: deterministic, and the data set has the spread the demo promises
// (currencies, languages, zones, contacts, 18 months of invoices, every payer behaviour,
// every aging bucket at `today`). Pure: no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DemoData,
  type DemoInvoice,
  type DemoPayment,
  generateDemoData,
  PAYER_BEHAVIOURS,
  type PayerBehaviour,
} from '../../src/demo/index.ts';
import { addMonths, daysBetween, isValidTimeZone } from '../../src/ledger/dates.ts';
import { parseAmount } from '../../src/ledger/money.ts';

const TODAY = '2026-11-25';
const data: DemoData = generateDemoData({ today: TODAY });

const invoicesByNumber = new Map(data.invoices.map((inv) => [inv.number, inv]));

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The invoices a payment names: its applied_to entries, else invoice numbers in its reference. */
function namedInvoices(p: DemoPayment): DemoInvoice[] {
  const numbers = p.applied_to
    ? p.applied_to.split(';').map((entry) => entry.split(':')[0]!)
    : (p.reference.match(/INV-\d{4}-\d{6}/g) ?? []);
  return numbers.map((n) => invoicesByNumber.get(n)!);
}

describe('demo generator: determinism', () => {
  it('gives byte-identical records for the same date and seed', () => {
    const again = generateDemoData({ today: TODAY });
    assert.deepEqual(again, data);
    assert.equal(JSON.stringify(again), JSON.stringify(data));
  });

  it('gives different records for another seed, and the same again for that seed', () => {
    const other = generateDemoData({ today: TODAY, seed: 42 });
    assert.notDeepEqual(other.customers, data.customers);
    assert.notDeepEqual(other.invoices, data.invoices);
    assert.equal(JSON.stringify(generateDemoData({ today: TODAY, seed: 42 })), JSON.stringify(other));
  });

  it('follows `today`: another date moves the whole history with it', () => {
    const later = generateDemoData({ today: '2027-03-01' });
    assert.equal(later.from, '2025-09-02');
    assert.ok(later.invoices.every((inv) => inv.issue_date >= later.from && inv.issue_date <= '2027-03-01'));
    assert.ok(later.invoices.some((inv) => inv.issue_date > TODAY));
  });

  it('refuses a date that is not YYYY-MM-DD', () => {
    assert.throws(() => generateDemoData({ today: '25.11.2026' }), /not a date/);
  });
});

describe('demo generator: customers and contacts', () => {
  it('has about 200 customers in EUR, USD and GBP, speaking en, de, fr and es', () => {
    assert.equal(data.customers.length, 200);
    assert.deepEqual([...new Set(data.customers.map((c) => c.currency))].sort(), ['EUR', 'GBP', 'USD']);
    assert.deepEqual([...new Set(data.customers.map((c) => c.language))].sort(), ['de', 'en', 'es', 'fr']);
    for (const [currency, n] of countBy(data.customers, (c) => c.currency)) {
      assert.ok(n >= 20, `${currency} has only ${n} customers`);
    }
    assert.equal(new Set(data.customers.map((c) => c.external_id)).size, 200);
    assert.equal(new Set(data.customers.map((c) => c.name)).size, 200, 'company names are unique');
  });

  it('names companies with the legal forms of their countries', () => {
    const forms: Record<string, RegExp> = {
      de: /(GmbH|AG|KG|GesmbH)$/,
      fr: /(SAS|SARL|SA|EURL|SRL)$/,
      es: /(S\.L\.|S\.A\.|S\.L\.U\.|de C\.V\.)$/,
      en: /(Inc\.|LLC|Corp\.|Ltd|Limited|PLC|LLP|DAC|Pty Ltd|Pte\. Ltd\.)$/,
    };
    for (const c of data.customers) assert.match(c.name, forms[c.language]!, `${c.name} (${c.language})`);
  });

  it('places customers in valid IANA zones on at least three continents', () => {
    for (const c of data.customers) assert.ok(isValidTimeZone(c.time_zone), c.time_zone);
    const regions = new Set(data.customers.map((c) => c.time_zone.split('/')[0]));
    assert.ok(regions.has('Europe') && regions.has('America'), [...regions].join(', '));
    assert.ok(regions.size >= 3, [...regions].join(', '));
  });

  it('uses terms of 14/30/45/60 days, priorities, tags, credit limits and account managers', () => {
    assert.ok(data.customers.every((c) => [14, 30, 45, 60].includes(c.payment_terms_days)));
    const keyAccounts = data.customers.filter((c) => c.tags.includes('key-account'));
    assert.ok(keyAccounts.length >= 10 && keyAccounts.length <= 24, `${keyAccounts.length} key accounts`);
    assert.ok(keyAccounts.every((c) => c.priority === 'high' && c.account_manager_email !== null));
    assert.ok(
      data.customers.every((c) => c.tags.length >= 1),
      'every customer has an industry tag',
    );
    assert.deepEqual([...new Set(data.customers.map((c) => c.priority))].sort(), ['high', 'low', 'normal']);
    const limits = data.customers.filter((c) => c.credit_limit !== null);
    assert.ok(limits.length > 150 && limits.length < 200);
    assert.ok(
      data.customers.every(
        (c) => c.account_manager_email === null || c.account_manager_email.endsWith('.example'),
      ),
    );
  });

  it('gives every customer 1–4 contacts with plausible names, .example emails and phones', () => {
    const perCustomer = countBy(data.contacts, (ct) => ct.customer_external_id);
    for (const c of data.customers) {
      const n = perCustomer.get(c.external_id) ?? 0;
      assert.ok(n >= 1 && n <= 4, `${c.external_id} has ${n} contacts`);
    }
    assert.deepEqual([...new Set(perCustomer.values())].sort(), [1, 2, 3, 4]);
    assert.deepEqual([...new Set(data.contacts.map((ct) => ct.role))].sort(), [
      'ap',
      'billing',
      'key',
      'other',
    ]);
    for (const ct of data.contacts) {
      if (ct.email !== null) assert.match(ct.email, /^[a-z0-9.]+@[a-z0-9-]+\.example$/, ct.email);
      if (ct.phone !== null) assert.match(ct.phone, /^\+\d{1,3}( \d+)+$/, ct.phone);
      assert.ok(ct.name.length > 2);
    }
    assert.equal(new Set(data.contacts.map((ct) => ct.external_id)).size, data.contacts.length);
  });

  it('has 2–3 customers nobody can be dunned at, and one paused customer', () => {
    const reachable = new Set(
      data.contacts
        .filter((ct) => ct.receives_dunning && ct.email !== null)
        .map((ct) => ct.customer_external_id),
    );
    const unreachable = data.customers.filter((c) => !reachable.has(c.external_id));
    assert.ok(
      unreachable.length >= 2 && unreachable.length <= 3,
      `${unreachable.length} unreachable customers`,
    );
    const paused = data.customers.filter((c) => c.paused_until !== null);
    assert.equal(paused.length, 1);
    assert.ok(paused[0]!.paused_until! > TODAY);
  });
});

describe('demo generator: invoices, payments and credit notes', () => {
  it('has about 5,000 invoices issued over the 18 months ending today', () => {
    assert.ok(data.invoices.length >= 4500 && data.invoices.length <= 5500, `${data.invoices.length}`);
    assert.equal(data.from, '2025-05-26');
    assert.equal(daysBetween(addMonths(TODAY, -18), data.from), 1);
    assert.ok(data.invoices.every((inv) => inv.issue_date >= data.from && inv.issue_date <= TODAY));
    const months = new Set(data.invoices.map((inv) => inv.issue_date.slice(0, 7)));
    assert.equal(months.size, 19, 'every calendar month of the window has invoices');
    assert.ok(
      data.invoices.every((inv) => /^INV-\d{4}-\d{6}$/.test(inv.number) && inv.external_id === inv.number),
    );
    assert.equal(new Set(data.invoices.map((inv) => inv.number)).size, data.invoices.length);
    const po = data.invoices.filter((inv) => inv.po_number !== null).length;
    assert.ok(po > 500 && po < 4000, `${po} invoices with a PO number`);
  });

  it('bills in the customer’s currency with log-normal amounts, cents included', () => {
    const currencyOf = new Map(data.customers.map((c) => [c.external_id, c.currency]));
    assert.ok(data.invoices.every((inv) => inv.currency === currencyOf.get(inv.customer_external_id)));
    const amounts = data.invoices.map((inv) => Number(inv.amount));
    assert.ok(Math.min(...amounts) >= 95);
    assert.ok(Math.max(...amounts) >= 20_000, 'some invoices are tens of thousands');
    const mid = median(amounts);
    assert.ok(mid > 500 && mid < 5000, `median ${mid}`);
    assert.ok(data.invoices.filter((inv) => !inv.amount.endsWith('.00')).length > 3000, 'cents included');
  });

  it('gives every payer behaviour to some customers and shows it in their payments', () => {
    const counts = countBy(Object.values(data.behaviours), (b) => b);
    for (const b of PAYER_BEHAVIOURS) assert.ok((counts.get(b) ?? 0) >= 10, `${b}: ${counts.get(b)}`);

    // Median days late of payments that name exactly one invoice, per behaviour.
    const late = new Map<PayerBehaviour, number[]>();
    for (const p of data.payments) {
      const named = namedInvoices(p);
      if (named.length !== 1) continue;
      const b = data.behaviours[p.customer_external_id]!;
      const list = late.get(b) ?? [];
      list.push(daysBetween(named[0]!.due_date, p.date));
      late.set(b, list);
    }
    assert.ok(median(late.get('prompt')!) <= 0, `prompt ${median(late.get('prompt')!)}`);
    const slow = median(late.get('slow')!);
    assert.ok(slow >= 10 && slow <= 20, `slow ${slow}`);
    const chronic = median(late.get('chronic_late')!);
    assert.ok(chronic >= 30 && chronic <= 90, `chronic ${chronic}`);
  });

  it('leaves chronic payers’ invoices open past 90 days, partial payers’ part-paid, disputes open', () => {
    const open = data.openBalances;
    const of = (b: PayerBehaviour) =>
      data.invoices.filter((inv) => data.behaviours[inv.customer_external_id] === b);
    assert.ok(of('chronic_late').some((inv) => open[inv.number] && daysBetween(inv.due_date, TODAY) > 90));
    const partlyPaid = of('partial').filter(
      (inv) =>
        open[inv.number] !== undefined &&
        open[inv.number] !== inv.amount &&
        daysBetween(inv.due_date, TODAY) > 60,
    );
    assert.ok(partlyPaid.length >= 5, `${partlyPaid.length} part-paid invoices`);
    const disputed = data.invoices.filter((inv) => inv.disputed);
    assert.ok(disputed.length >= 20 && disputed.length <= 70, `${disputed.length} disputed`);
    assert.ok(disputed.every((inv) => data.behaviours[inv.customer_external_id] === 'disputing'));
    assert.ok(
      disputed.every((inv) => open[inv.number] === inv.amount),
      'disputed invoices stay open',
    );
    assert.deepEqual(
      data.disputes.map((d) => d.invoice_number).sort(),
      disputed.map((inv) => inv.number).sort(),
    );
    assert.ok(data.disputes.every((d) => d.opened_on <= TODAY && d.reason.length > 10));
  });

  it('applies credit notes of credit-note customers to their invoices', () => {
    assert.ok(data.creditNotes.length >= 30, `${data.creditNotes.length} credit notes`);
    for (const cn of data.creditNotes) {
      assert.equal(data.behaviours[cn.customer_external_id], 'credit_notes');
      assert.match(cn.number, /^CN-\d{4}-\d{6}$/);
      const [number, amount] = cn.applied_to.split(':');
      const inv = invoicesByNumber.get(number!)!;
      assert.equal(inv.customer_external_id, cn.customer_external_id);
      assert.equal(amount, cn.amount);
      assert.ok(cn.date > inv.issue_date && cn.date <= TODAY);
      assert.ok(parseAmount(cn.amount, cn.currency) <= parseAmount(inv.amount, inv.currency));
    }
  });

  it('dates payments after issue and names invoices by applied_to, by reference, or not at all', () => {
    for (const p of data.payments) {
      assert.ok(p.date <= TODAY);
      for (const inv of namedInvoices(p)) {
        assert.ok(inv, `${p.external_id} names an unknown invoice`);
        assert.equal(inv.customer_external_id, p.customer_external_id);
        assert.ok(
          p.date > inv.issue_date,
          `${p.external_id} ${p.date} before ${inv.number} ${inv.issue_date}`,
        );
      }
    }
    const modes = countBy(data.payments, (p) =>
      p.applied_to ? 'applied_to' : /INV-\d{4}-\d{6}/.test(p.reference) ? 'reference' : 'oldest-first',
    );
    for (const mode of ['applied_to', 'reference', 'oldest-first']) {
      assert.ok((modes.get(mode) ?? 0) >= 200, `${mode}: ${modes.get(mode)}`);
    }
    assert.ok(
      data.payments.some((p) => (p.applied_to ?? '').includes(';')),
      'some payments settle several invoices',
    );
  });

  it('shows every aging bucket at today, in every currency', () => {
    const buckets = new Map<string, Set<string>>();
    for (const [number, balance] of Object.entries(data.openBalances)) {
      const inv = invoicesByNumber.get(number)!;
      assert.equal(inv.status, 'open');
      assert.ok(parseAmount(balance, inv.currency) > 0);
      const days = daysBetween(inv.due_date, TODAY);
      const bucket =
        days <= 0 ? 'current' : days <= 30 ? '1-30' : days <= 60 ? '31-60' : days <= 90 ? '61-90' : '91+';
      const set = buckets.get(inv.currency) ?? new Set();
      set.add(bucket);
      buckets.set(inv.currency, set);
    }
    for (const currency of ['EUR', 'USD', 'GBP']) {
      assert.deepEqual([...(buckets.get(currency) ?? [])].sort(), [
        '1-30',
        '31-60',
        '61-90',
        '91+',
        'current',
      ]);
    }
    // Recent invoices are mostly open; old ones mostly settled.
    const recent = data.invoices.filter(
      (inv) => daysBetween(inv.issue_date, TODAY) < 10 && inv.status === 'open',
    );
    assert.ok(recent.filter((inv) => data.openBalances[inv.number]).length / recent.length > 0.8);
    const old = data.invoices.filter((inv) => daysBetween(inv.issue_date, TODAY) > 365);
    assert.ok(old.filter((inv) => data.openBalances[inv.number]).length / old.length < 0.05);
  });

  it('has promises to pay on overdue invoices of late payers, dated in the coming two weeks', () => {
    assert.ok(data.promises.length >= 5);
    for (const p of data.promises) {
      const inv = invoicesByNumber.get(p.invoice_number)!;
      assert.ok(['slow', 'chronic_late'].includes(data.behaviours[p.customer_external_id]!));
      assert.ok(data.openBalances[inv.number] && inv.due_date < TODAY && !inv.disputed);
      assert.ok(p.promised_date > TODAY && daysBetween(TODAY, p.promised_date) <= 14);
    }
  });
});
