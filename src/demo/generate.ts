/**
 * The demo ledger: about 200 customers and 5,000 invoices over the 18 months ending at
 * `today`, with payments, credit notes, disputes and promises to pay, in the canonical import
 * column shapes of PRODUCT §2.1. A pure function of `{ today, seed }`: its own seeded PRNG,
 * no clock, no Math.random, no I/O — the same inputs give byte-identical records.
 *
 * Every customer has a payer behaviour that shows in its history:
 * - prompt: pays on or before the due date (a few days late now and then);
 * - slow: pays 10–20 days late;
 * - chronic_late: pays 30–90 days late, and leaves some invoices open past 90 days;
 * - partial: pays many invoices in instalments, some of them still part-open;
 * - disputing: pays a little late, and disputes a few invoices, which stay open;
 * - credit_notes: has credit notes (returns, price corrections) applied to some invoices.
 *
 * Because invoices near `today` are simply not yet paid, the aging report at `today` has
 * every bucket: current (not due), 1–30 (slow), 31–90 (chronic), 91+ (chronic, partial,
 * disputed).
 *
 * Payments name their invoices the ways real remittances do: an explicit `applied_to` list,
 * only an invoice number in the reference text, or nothing at all. The last kind is emitted
 * only where oldest-first matching must land exactly where the customer meant it to (the
 * payment covers the customer's oldest open invoices, in order), so the ledger the import
 * builds equals the one simulated here — `openBalances` states it, and the tests compare.
 */
import {
  addDays,
  addMonths,
  type CalendarDate,
  dayOfWeek,
  daysBetween,
  isCalendarDate,
} from '../ledger/dates.ts';
import { formatAmount } from '../ledger/money.ts';
import { COUNTRIES, type CountryProfile, type DemoCurrency, type DemoLanguage, slug } from './countries.ts';
import { Random } from './random.ts';

export const DEMO_SEED = 0x5eed2026;
export const DEMO_HISTORY_MONTHS = 18;
export const DEMO_INVOICE_COUNT = 5000;

export const PAYER_BEHAVIOURS = [
  'prompt',
  'slow',
  'chronic_late',
  'partial',
  'disputing',
  'credit_notes',
] as const;
export type PayerBehaviour = (typeof PAYER_BEHAVIOURS)[number];

/** How many of the 200 customers behave each way. */
const BEHAVIOUR_MIX: Readonly<Record<PayerBehaviour, number>> = {
  prompt: 80,
  slow: 44,
  chronic_late: 24,
  partial: 18,
  disputing: 16,
  credit_notes: 18,
};

/** The organisation the demo ledger belongs to (a UK wholesaler selling across three continents). */
export const DEMO_ORGANISATION = {
  name: 'Northwind Supplies Ltd',
  address: 'Unit 4, Riverside Trade Park\nLondon SE10 0QJ\nUnited Kingdom',
  defaultCurrency: 'EUR',
  timeZone: 'Europe/London',
  language: 'en',
  sendingDomain: 'northwind-supplies.example',
} as const;

/** The organisation's account managers, by the language of the customers they look after. */
const ACCOUNT_MANAGERS: Readonly<Record<DemoLanguage, readonly string[]>> = {
  en: ['james.carter@northwind-supplies.example', 'olivia.hughes@northwind-supplies.example'],
  de: ['hannah.becker@northwind-supplies.example'],
  fr: ['sophie.laurent@northwind-supplies.example'],
  es: ['lucia.garcia@northwind-supplies.example'],
};

// ---------------------------------------------------------------------------------------
// The records, keyed by the canonical import column names (PRODUCT §2.1)

export interface DemoCustomer {
  external_id: string;
  name: string;
  currency: DemoCurrency;
  language: DemoLanguage;
  time_zone: string;
  payment_terms_days: number;
  credit_limit: string | null;
  tags: string[];
  account_manager_email: string | null;
  priority: 'high' | 'normal' | 'low';
  paused_until: CalendarDate | null;
}

export interface DemoContact {
  external_id: string;
  customer_external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'billing' | 'ap' | 'key' | 'other';
  receives_dunning: boolean;
  preferred_channel: 'email' | 'phone';
}

export interface DemoInvoice {
  external_id: string;
  customer_external_id: string;
  number: string;
  issue_date: CalendarDate;
  due_date: CalendarDate;
  currency: DemoCurrency;
  amount: string;
  po_number: string | null;
  status: 'open' | 'void';
  disputed: boolean;
}

export interface DemoCreditNote {
  external_id: string;
  customer_external_id: string;
  number: string;
  date: CalendarDate;
  amount: string;
  currency: DemoCurrency;
  applied_to: string;
}

export interface DemoPayment {
  external_id: string;
  customer_external_id: string;
  date: CalendarDate;
  amount: string;
  currency: DemoCurrency;
  reference: string;
  applied_to: string | null;
}

/** Why a customer disputes an invoice (the invoice itself carries `disputed: true`). */
export interface DemoDispute {
  customer_external_id: string;
  invoice_number: string;
  opened_on: CalendarDate;
  reason: string;
}

/** A promise to pay an invoice's whole open balance, taken today for a date in the next two weeks. */
export interface DemoPromise {
  customer_external_id: string;
  invoice_number: string;
  made_on: CalendarDate;
  promised_date: CalendarDate;
  amount: string | null;
}

export interface DemoData {
  today: CalendarDate;
  seed: number;
  /** First day of the history (18 months before `today`, plus one day). */
  from: CalendarDate;
  customers: DemoCustomer[];
  contacts: DemoContact[];
  invoices: DemoInvoice[];
  creditNotes: DemoCreditNote[];
  payments: DemoPayment[];
  disputes: DemoDispute[];
  promises: DemoPromise[];
  /** customer external_id → payer behaviour. */
  behaviours: Record<string, PayerBehaviour>;
  /** invoice number → open balance at `today` (decimal string), for every open, non-void invoice. */
  openBalances: Record<string, string>;
}

export interface DemoOptions {
  today: CalendarDate;
  seed?: number;
}

// ---------------------------------------------------------------------------------------
// Internal working shapes

interface CustomerPlan {
  index: number;
  externalId: string;
  country: CountryProfile;
  behaviour: PayerBehaviour;
  record: DemoCustomer;
  domain: string;
  start: CalendarDate;
  weight: number;
  medianAmount: number;
  usesPo: boolean;
  /** Day of the week the customer's AP runs payments (0 = Sunday). */
  payRunDay: number;
  noDunningContact: boolean;
  invoiceCount: number;
}

interface WorkInvoice {
  customer: CustomerPlan;
  seq: number;
  issue: CalendarDate;
  due: CalendarDate;
  amount: number;
  po: string | null;
  number: string;
  void: boolean;
  disputed: boolean;
  /** Open balance in this simulation, after everything applied so far. */
  remaining: number;
}

interface Settlement {
  invoice: WorkInvoice;
  date: CalendarDate;
  amount: number;
}

const INDUSTRY_KEYWORDS: readonly (readonly [RegExp, string])[] = [
  [/logist|transport|spedition/i, 'logistics'],
  [/bau|bâtiment|construc|builders|building|menuiserie|holz/i, 'construction'],
  [/feinkost|foods|alimenta|catering|hospitality/i, 'food-and-hospitality'],
  [/medizin|health/i, 'healthcare'],
  [/verpackung|emballage|envases|packaging/i, 'packaging'],
  [/druckerei|imprimerie|print/i, 'printing'],
  [/software/i, 'technology'],
  [
    /elektro|electric|électricité|eléctric|haustechnik|climatiza|froid|gebäudeservice|facilities/i,
    'building-services',
  ],
  [
    /maschinen|metall|kunststoff|antrieb|industri|engineering|fabrications|components|équipements|manufacturing/i,
    'manufacturing',
  ],
];

function industryOf(name: string): string {
  for (const [pattern, tag] of INDUSTRY_KEYWORDS) if (pattern.test(name)) return tag;
  return 'wholesale';
}

const LEGAL_FORM =
  /\s+(gmbh & co\. kg|gmbh|gesmbh|ag|sas|sarl|sa|eurl|srl|s\.l\.u\.|s\.l\.|s\.a\. de c\.v\.|s\. de r\.l\. de c\.v\.|s\.a\.|inc\.|llc|corp\.|ltd|limited|plc|llp|dac|pty ltd|pte\. ltd\.)$/i;

function companyDomain(name: string): string {
  return slug(name.replace(LEGAL_FORM, '').replace(/^(établissements|grupo|comercializadora)\s+/i, ''));
}

/** Moves a Saturday or Sunday issue date to the Friday before (or the Monday after). */
function workday(date: CalendarDate, min: CalendarDate, max: CalendarDate): CalendarDate {
  const dow = dayOfWeek(date);
  if (dow !== 0 && dow !== 6) return date;
  const friday = addDays(date, dow === 6 ? -1 : -2);
  if (friday >= min) return friday;
  const monday = addDays(date, dow === 6 ? 2 : 1);
  return monday <= max ? monday : date;
}

/** The first `weekday` on or after `date`. */
function onOrAfter(date: CalendarDate, weekday: number): CalendarDate {
  return addDays(date, (weekday - dayOfWeek(date) + 7) % 7);
}

/** The last `weekday` on or before `date`. */
function onOrBefore(date: CalendarDate, weekday: number): CalendarDate {
  return addDays(date, -((dayOfWeek(date) - weekday + 7) % 7));
}

const money = (minor: number, currency: DemoCurrency) => formatAmount(minor, currency);

/** Splits `total` into parts proportional to `weights`, each at least `minimums[i]`, summing exactly. */
function allocate(total: number, weights: readonly number[], minimums: readonly number[]): number[] {
  const base = [...minimums];
  const left = total - base.reduce((s, n) => s + n, 0);
  if (left < 0) throw new Error('the minimum invoice counts exceed the total');
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const shares = weights.map((w) => (w / weightSum) * left);
  const out = base.map((b, i) => b + Math.floor(shares[i]!));
  let rest = total - out.reduce((s, n) => s + n, 0);
  const byRemainder = shares
    .map((s, i) => ({ i, r: s - Math.floor(s) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (rest === 0) break;
    out[i]! += 1;
    rest -= 1;
  }
  return out;
}

const DISPUTE_REASONS: Readonly<Record<DemoLanguage, readonly string[]>> = {
  en: [
    'Goods arrived damaged; waiting for a replacement before we pay.',
    'Price does not match our purchase order.',
    'We were invoiced for 12 units but only 10 were delivered.',
    'Missing PO number, our AP cannot book this invoice.',
  ],
  de: [
    'Ware beschädigt angeliefert, Ersatzlieferung steht aus.',
    'Preis weicht von der Bestellung ab.',
    'Liefermenge stimmt nicht mit der Rechnung überein.',
    'Bestellnummer fehlt auf der Rechnung.',
  ],
  fr: [
    'Marchandise livrée endommagée, nous attendons un avoir.',
    'Le prix ne correspond pas au bon de commande.',
    'Quantité facturée supérieure à la quantité livrée.',
    'Numéro de commande manquant sur la facture.',
  ],
  es: [
    'Mercancía recibida en mal estado.',
    'El precio no coincide con el pedido.',
    'Se han facturado más unidades de las entregadas.',
    'Falta el número de pedido en la factura.',
  ],
};

// ---------------------------------------------------------------------------------------

export function generateDemoData(options: DemoOptions): DemoData {
  const { today } = options;
  const seed = options.seed ?? DEMO_SEED;
  if (!isCalendarDate(today)) throw new RangeError(`today "${today}" is not a date (YYYY-MM-DD)`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed ${seed} is not an integer`);
  const from = addDays(addMonths(today, -DEMO_HISTORY_MONTHS), 1);

  const customers = planCustomers(seed, today, from);
  const contacts = customers.flatMap((c) => planContacts(seed, c));

  // Invoice counts: busier and longer-standing customers get more; behaviours that need
  // history to show (disputes, instalments, credit notes) get at least a dozen.
  const counts = allocate(
    DEMO_INVOICE_COUNT,
    customers.map((c) => c.weight * (daysBetween(c.start, today) + 1)),
    customers.map((c) =>
      c.behaviour === 'disputing' || c.behaviour === 'partial' || c.behaviour === 'credit_notes' ? 12 : 4,
    ),
  );
  customers.forEach((c, i) => {
    c.invoiceCount = counts[i]!;
  });

  const invoices = customers.flatMap((c) => planInvoices(seed, c, today));
  for (const c of customers) setCreditLimit(seed, c, invoices, today);
  // Numbers follow issue order, one sequence per year: INV-2025-000123.
  invoices.sort((a, b) =>
    a.issue < b.issue ? -1 : a.issue > b.issue ? 1 : a.customer.index - b.customer.index || a.seq - b.seq,
  );
  const perYear = new Map<string, number>();
  for (const inv of invoices) {
    const year = inv.issue.slice(0, 4);
    const n = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, n);
    inv.number = `INV-${year}-${String(n).padStart(6, '0')}`;
  }
  const byCustomer = new Map<CustomerPlan, WorkInvoice[]>();
  for (const inv of invoices) {
    const list = byCustomer.get(inv.customer) ?? [];
    list.push(inv);
    byCustomer.set(inv.customer, list);
  }

  // Credit notes are imported before payments, so they are simulated (and applied) first.
  const creditNotes: (DemoCreditNote & { order: number })[] = [];
  const payments: (DemoPayment & { order: number })[] = [];
  const disputes: DemoDispute[] = [];
  for (const c of customers) {
    const own = byCustomer.get(c) ?? [];
    const rng = new Random(seed, 'settlements', c.index);
    const settlements = settleInvoices(rng, c, own, today, disputes, creditNotes);
    payments.push(...emitPayments(rng, c, own, settlements));
  }

  creditNotes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
  const cnPerYear = new Map<string, number>();
  for (const cn of creditNotes) {
    const year = cn.date.slice(0, 4);
    const n = (cnPerYear.get(year) ?? 0) + 1;
    cnPerYear.set(year, n);
    cn.number = `CN-${year}-${String(n).padStart(6, '0')}`;
    cn.external_id = cn.number;
  }
  payments.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
  payments.forEach((p, i) => {
    p.external_id = `PAY-${String(i + 1).padStart(6, '0')}`;
  });

  const promises = planPromises(seed, customers, byCustomer, today);

  const behaviours: Record<string, PayerBehaviour> = {};
  for (const c of customers) behaviours[c.externalId] = c.behaviour;
  const openBalances: Record<string, string> = {};
  for (const inv of invoices) {
    if (!inv.void && inv.remaining > 0)
      openBalances[inv.number] = money(inv.remaining, inv.customer.record.currency);
  }

  return {
    today,
    seed,
    from,
    customers: customers.map((c) => c.record),
    contacts,
    invoices: invoices.map((inv) => ({
      external_id: inv.number,
      customer_external_id: inv.customer.externalId,
      number: inv.number,
      issue_date: inv.issue,
      due_date: inv.due,
      currency: inv.customer.record.currency,
      amount: money(inv.amount, inv.customer.record.currency),
      po_number: inv.po,
      status: inv.void ? 'void' : 'open',
      disputed: inv.disputed,
    })),
    creditNotes: creditNotes.map(({ order: _order, ...cn }) => cn),
    payments: payments.map(({ order: _order, ...p }) => p),
    disputes: disputes.sort((a, b) =>
      a.opened_on < b.opened_on
        ? -1
        : a.opened_on > b.opened_on
          ? 1
          : a.invoice_number < b.invoice_number
            ? -1
            : 1,
    ),
    promises,
    behaviours,
    openBalances,
  };
}

// ---------------------------------------------------------------------------------------
// Customers and contacts

function planCustomers(seed: number, today: CalendarDate, from: CalendarDate): CustomerPlan[] {
  const rng = new Random(seed, 'customers');
  const slots = rng.shuffle(
    COUNTRIES.flatMap((country) => Array.from({ length: country.customers }, () => country)),
  );
  const behaviours = rng.shuffle(
    PAYER_BEHAVIOURS.flatMap((b) => Array.from({ length: BEHAVIOUR_MIX[b] }, () => b)),
  );
  if (behaviours.length !== slots.length) throw new Error('behaviour mix does not cover every customer');

  // Special cases the workspace should be able to show: ~8 % key accounts, three customers
  // nobody can be mailed at (the engine's 'no_email' task), one customer whose dunning is paused.
  const indices = slots.map((_, i) => i);
  const keyAccounts = new Set(rng.shuffle(indices).slice(0, 16));
  const lateIndices = indices.filter((i) => behaviours[i] === 'slow' || behaviours[i] === 'chronic_late');
  const shuffledLate = rng.shuffle(lateIndices);
  const noDunning = new Set(shuffledLate.slice(0, 3));
  const paused = shuffledLate.find((i) => behaviours[i] === 'chronic_late' && !noDunning.has(i));

  const usedNames = new Set<string>();
  const usedDomains = new Set<string>();
  return slots.map((country, index) => {
    const c = new Random(seed, 'customer', index);
    let name = country.companyName(c);
    for (let attempt = 0; usedNames.has(name) && attempt < 30; attempt++) name = country.companyName(c);
    if (usedNames.has(name)) name = `${name} (${country.code})`;
    usedNames.add(name);
    let domain = `${companyDomain(name)}.example`;
    if (usedDomains.has(domain)) domain = `${companyDomain(name)}-${country.code.toLowerCase()}.example`;
    usedDomains.add(domain);

    const behaviour = behaviours[index]!;
    const isKey = keyAccounts.has(index);
    const tags = [industryOf(name)];
    if (isKey) tags.unshift('key-account');
    const startsLate = c.chance(0.2);
    const start = startsLate ? addDays(from, c.int(60, 420)) : from;
    if (daysBetween(start, today) < 150) tags.push('new-customer');
    const priority: DemoCustomer['priority'] = isKey
      ? 'high'
      : c.weighted([
          ['high', 10],
          ['normal', 75],
          ['low', 15],
        ] as const);
    const medianAmount = Math.min(18_000, Math.max(180, c.logNormal(1600, 0.8))) * (isKey ? 2.5 : 1);
    const weight = c.logNormal(1, 0.6) * (isKey ? 2 : 1);
    const terms = c.pick(country.terms);
    const manager = isKey || c.chance(0.35) ? c.pick(ACCOUNT_MANAGERS[country.language]) : null;
    const externalId = `CUST-${String(1001 + index)}`;
    return {
      index,
      externalId,
      country,
      behaviour,
      domain,
      start,
      weight,
      medianAmount,
      usesPo: c.chance(isKey ? 0.8 : 0.3),
      payRunDay: c.pick([2, 4, 5]),
      noDunningContact: noDunning.has(index),
      invoiceCount: 0,
      record: {
        external_id: externalId,
        name,
        currency: country.currency,
        language: country.language,
        time_zone: c.pick(country.zones),
        payment_terms_days: terms,
        credit_limit: null,
        tags,
        account_manager_email: manager,
        priority,
        paused_until: index === paused ? addDays(today, 21) : null,
      },
    };
  });
}

const ROLE_TITLES: Readonly<Record<DemoLanguage, Readonly<Record<'key' | 'other', string>>>> = {
  en: { key: 'Procurement', other: 'Operations' },
  de: { key: 'Einkauf', other: 'Geschäftsführung' },
  fr: { key: 'Achats', other: 'Direction' },
  es: { key: 'Compras', other: 'Gerencia' },
};

function planContacts(seed: number, c: CustomerPlan): DemoContact[] {
  const rng = new Random(seed, 'contacts', c.index);
  const { country } = c;
  const count = rng.weighted([
    [1, 30],
    [2, 40],
    [3, 20],
    [4, 10],
  ] as const);
  const usedEmails = new Set<string>();
  const person = () => {
    for (let attempt = 0; ; attempt++) {
      const first = rng.pick(country.firstNames);
      const last = rng.pick(country.lastNames);
      const local = `${slug(first).replace(/-/g, '')}.${slug(last).replace(/-/g, '')}`;
      if (!usedEmails.has(local) || attempt > 20) {
        usedEmails.add(local);
        return { name: `${first} ${last}`, email: `${local}@${c.domain}` };
      }
    }
  };
  const contacts: DemoContact[] = [];
  const add = (contact: Omit<DemoContact, 'external_id' | 'customer_external_id'>) =>
    contacts.push({
      external_id: `${c.externalId}-C${contacts.length + 1}`,
      customer_external_id: c.externalId,
      ...contact,
    });

  if (c.noDunningContact) {
    // Nobody at this customer receives dunning: a buyer who asked not to get reminders, or
    // only a phone number. The engine has to turn dunning into a 'no_email' task.
    const p = person();
    const phoneOnly = rng.chance(0.5);
    add({
      name: p.name,
      email: phoneOnly ? null : p.email,
      phone: country.phone(rng),
      role: phoneOnly ? 'billing' : 'key',
      receives_dunning: false,
      preferred_channel: 'phone',
    });
    return contacts;
  }

  // The first contact gets the dunning: a shared AP mailbox or a named person in accounts.
  if (rng.chance(0.45)) {
    const [local, label] = rng.pick(country.apMailboxes);
    usedEmails.add(local);
    add({
      name: label,
      email: `${local}@${c.domain}`,
      phone: rng.chance(0.5) ? country.phone(rng) : null,
      role: 'ap',
      receives_dunning: true,
      preferred_channel: 'email',
    });
  } else {
    const p = person();
    add({
      name: p.name,
      email: p.email,
      phone: country.phone(rng),
      role: 'billing',
      receives_dunning: true,
      preferred_channel: rng.chance(0.1) ? 'phone' : 'email',
    });
  }
  for (let i = 1; i < count; i++) {
    const p = person();
    const role = rng.weighted([
      ['billing', 2],
      ['key', 4],
      ['other', 2],
    ] as const);
    add({
      name: role === 'billing' ? p.name : `${p.name} (${ROLE_TITLES[country.language][role]})`,
      email: p.email,
      phone: rng.chance(0.8) ? country.phone(rng) : null,
      role,
      receives_dunning: role === 'billing',
      preferred_channel: role === 'key' && rng.chance(0.3) ? 'phone' : 'email',
    });
  }
  return contacts;
}

// ---------------------------------------------------------------------------------------
// Invoices

function planInvoices(seed: number, c: CustomerPlan, today: CalendarDate): WorkInvoice[] {
  const rng = new Random(seed, 'invoices', c.index);
  const span = daysBetween(c.start, today);
  const issueDates = Array.from({ length: c.invoiceCount }, () =>
    workday(addDays(c.start, rng.int(0, span)), c.start, today),
  ).sort();
  const terms = c.record.payment_terms_days;
  return issueDates.map((issue, seq) => {
    // Log-normal around the customer's usual order size; a tenth are round service fees.
    let major = Math.min(90_000, Math.max(95, rng.logNormal(c.medianAmount, 0.55)));
    if (rng.chance(0.1)) major = Math.max(100, Math.round(major / 50) * 50);
    const amount = Math.round(major * 100);
    return {
      customer: c,
      seq,
      issue,
      due: addDays(issue, terms),
      amount,
      po: c.usesPo && rng.chance(0.85) ? c.country.poNumber(rng) : null,
      number: '',
      void: rng.chance(0.005),
      disputed: false,
      remaining: amount,
    };
  });
}

/**
 * A credit limit of about one and a half times what the customer usually has outstanding
 * (a month's billing plus its terms), rounded up to 5,000; one customer in seven has none.
 */
function setCreditLimit(
  seed: number,
  c: CustomerPlan,
  invoices: readonly WorkInvoice[],
  today: CalendarDate,
) {
  const rng = new Random(seed, 'credit-limit', c.index);
  if (rng.chance(0.15)) return;
  const billed = invoices.filter((inv) => inv.customer === c).reduce((s, inv) => s + inv.amount, 0) / 100;
  const months = Math.max(1, daysBetween(c.start, today) / 30.4);
  const outstanding = (billed / months) * (c.record.payment_terms_days / 30 + 1);
  const limit = Math.max(5000, Math.ceil((outstanding * 1.5) / 5000) * 5000);
  c.record.credit_limit = money(limit * 100, c.record.currency);
}

// ---------------------------------------------------------------------------------------
// How each customer settles its invoices

/** Fractions of the invoice amount paid by each instalment (the last takes the rest). */
function instalmentPlan(rng: Random): number[] {
  return rng.pick([[0.5], [0.4], [0.6], [0.3, 0.3], [0.5, 0.25]]);
}

function settleInvoices(
  rng: Random,
  c: CustomerPlan,
  invoices: WorkInvoice[],
  today: CalendarDate,
  disputes: DemoDispute[],
  creditNotes: (DemoCreditNote & { order: number })[],
): Settlement[] {
  const out: Settlement[] = [];
  const pay = (invoice: WorkInvoice, date: CalendarDate, amount: number) => {
    // Nothing is paid before the invoice exists, nor after today.
    const d = date <= invoice.issue ? addDays(invoice.issue, 1) : date;
    if (d <= today && amount > 0) out.push({ invoice, date: d, amount });
  };
  const run = (date: CalendarDate) => onOrAfter(date, c.payRunDay);
  const live = invoices.filter((inv) => !inv.void);

  if (c.behaviour === 'disputing') {
    // A few invoices of the last five months are disputed and left open.
    const candidates = live.filter((inv) => inv.due >= addDays(today, -150) && inv.due <= addDays(today, -3));
    const chosen = rng.shuffle(candidates).slice(0, rng.int(2, 4));
    for (const inv of chosen) {
      inv.disputed = true;
      // Opened between a few days after issue and three weeks past due (never after today).
      const latest = addDays(inv.due, 20) < today ? addDays(inv.due, 20) : today;
      const span = Math.max(0, daysBetween(addDays(inv.issue, 5), latest));
      disputes.push({
        customer_external_id: c.externalId,
        invoice_number: inv.number,
        opened_on: addDays(inv.issue, 5 + rng.int(0, span)),
        reason: rng.pick(DISPUTE_REASONS[c.record.language]),
      });
    }
  }

  for (const inv of live) {
    if (inv.disputed) continue;
    switch (c.behaviour) {
      case 'prompt': {
        if (rng.chance(0.06)) pay(inv, addDays(inv.due, rng.int(1, 4)), inv.amount);
        else {
          // The pay run on or before the target day, never before the invoice arrived.
          const target = addDays(inv.due, -rng.int(0, 7));
          const onRun = onOrBefore(target, c.payRunDay);
          pay(inv, onRun > addDays(inv.issue, 2) ? onRun : target, inv.amount);
        }
        break;
      }
      case 'slow':
        pay(inv, run(addDays(inv.due, rng.int(8, 15))), inv.amount);
        break;
      case 'chronic_late':
        // About one invoice in eight is never paid (left open, eventually past 90 days).
        if (rng.chance(0.12)) break;
        pay(inv, run(addDays(inv.due, rng.int(28, 84))), inv.amount);
        break;
      case 'disputing':
        pay(inv, run(addDays(inv.due, rng.int(2, 12))), inv.amount);
        break;
      case 'partial': {
        if (rng.chance(0.4)) {
          pay(inv, run(addDays(inv.due, rng.int(3, 20))), inv.amount);
          break;
        }
        // Instalments: a first part near the due date, the rest every three to six weeks;
        // a quarter of these invoices never get their last instalment.
        const fractions = instalmentPlan(rng);
        const stopsEarly = rng.chance(0.25);
        let date = addDays(inv.due, rng.int(0, 15));
        let paid = 0;
        for (const f of fractions) {
          // Instalments are round sums where the invoice is big enough.
          const part = Math.round(inv.amount * f);
          const rounded = inv.amount > 200_000 ? Math.round(part / 10_000) * 10_000 : part;
          const amount = Math.min(inv.amount - paid - 1, Math.max(1, rounded));
          pay(inv, date, amount);
          paid += amount;
          date = addDays(date, rng.int(21, 42));
        }
        if (!stopsEarly) pay(inv, date, inv.amount - paid);
        break;
      }
      case 'credit_notes': {
        let due = inv.amount;
        const cnDate = addDays(inv.issue, rng.int(3, 25));
        if (rng.chance(0.22) && cnDate <= today) {
          // Returns and price corrections: usually part of the invoice, sometimes all of it.
          const full = rng.chance(0.1);
          const credit = full
            ? inv.amount
            : Math.max(500, Math.round(inv.amount * (0.05 + rng.next() * 0.25)));
          creditNotes.push({
            external_id: '',
            customer_external_id: c.externalId,
            number: '',
            date: cnDate,
            amount: money(credit, c.record.currency),
            currency: c.record.currency,
            applied_to: `${inv.number}:${money(credit, c.record.currency)}`,
            order: c.index * 10_000 + inv.seq,
          });
          inv.remaining -= credit;
          due -= credit;
        }
        if (due > 0) pay(inv, run(addDays(inv.due, rng.int(-6, 6))), due);
        break;
      }
    }
  }
  return out;
}

/** The customer's open invoices in the order oldest-first matching takes them. */
function oldestOpen(invoices: readonly WorkInvoice[]): WorkInvoice[] {
  return invoices
    .filter((inv) => inv.remaining > 0)
    .sort((a, b) =>
      a.due < b.due ? -1 : a.due > b.due ? 1 : a.issue < b.issue ? -1 : a.issue > b.issue ? 1 : a.seq - b.seq,
    );
}

/**
 * Groups a customer's settlements into payments (everything paid on one day is one transfer)
 * and chooses how each names its invoices, applying them to the simulated balances in the
 * order the import will see them (date order, after all credit notes).
 */
function emitPayments(
  rng: Random,
  c: CustomerPlan,
  invoices: WorkInvoice[],
  settlements: Settlement[],
): (DemoPayment & { order: number })[] {
  const byDate = new Map<CalendarDate, Settlement[]>();
  for (const s of settlements) {
    const list = byDate.get(s.date) ?? [];
    list.push(s);
    byDate.set(s.date, list);
  }
  const dates = [...byDate.keys()].sort();
  const { currency } = c.record;
  const out: (DemoPayment & { order: number })[] = [];
  dates.forEach((date, n) => {
    const lines = byDate.get(date)!.sort((a, b) => a.invoice.seq - b.invoice.seq);
    const total = lines.reduce((s, l) => s + l.amount, 0);
    const everyLineFull = lines.every((l) => l.amount === l.invoice.remaining);
    // Oldest-first reproduces this payment only if its invoices are the customer's oldest
    // open ones, in that order, and every line but the last settles its invoice completely.
    const queue = oldestOpen(invoices);
    const oldestFirstFits = lines.every(
      (l, k) => queue[k] === l.invoice && (k === lines.length - 1 || l.amount === l.invoice.remaining),
    );
    const roll = rng.next();
    let reference: string;
    let appliedTo: string | null;
    if (oldestFirstFits && roll < 0.25) {
      reference = rng.pick(c.country.plainReferences);
      appliedTo = null;
    } else if (lines.length === 1 && roll < 0.6) {
      reference = c.country.invoiceReference(lines[0]!.invoice.number, rng);
      appliedTo = null;
    } else {
      appliedTo = lines
        .map((l) =>
          everyLineFull && lines.length > 1 && rng.chance(0.5)
            ? l.invoice.number
            : `${l.invoice.number}:${money(l.amount, currency)}`,
        )
        .join(';');
      reference =
        lines.length <= 3 && rng.chance(0.5)
          ? `${rng.pick(c.country.plainReferences)} ${lines.map((l) => l.invoice.number).join(' ')}`
          : rng.pick(c.country.plainReferences);
    }
    for (const l of lines) l.invoice.remaining -= l.amount;
    out.push({
      external_id: '',
      customer_external_id: c.externalId,
      date,
      amount: money(total, currency),
      currency,
      reference,
      applied_to: appliedTo,
      order: c.index * 10_000 + n,
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// Promises to pay

function planPromises(
  seed: number,
  customers: readonly CustomerPlan[],
  byCustomer: Map<CustomerPlan, WorkInvoice[]>,
  today: CalendarDate,
): DemoPromise[] {
  const rng = new Random(seed, 'promises');
  const late = customers.filter(
    (c) => (c.behaviour === 'chronic_late' || c.behaviour === 'slow') && c.record.paused_until === null,
  );
  const promises: DemoPromise[] = [];
  for (const c of rng.shuffle(late)) {
    if (promises.length >= 10) break;
    const overdue = oldestOpen(byCustomer.get(c) ?? []).filter(
      (inv) => !inv.void && !inv.disputed && inv.due < addDays(today, -7),
    );
    const inv = overdue[0];
    if (!inv) continue;
    // Promises are taken today (a promise cannot be recorded for a past date); as the
    // demo store is reused on later days, those not kept turn into broken promises.
    promises.push({
      customer_external_id: c.externalId,
      invoice_number: inv.number,
      made_on: today,
      promised_date: addDays(today, rng.int(2, 14)),
      amount: null,
    });
  }
  return promises.sort((a, b) => (a.invoice_number < b.invoice_number ? -1 : 1));
}
