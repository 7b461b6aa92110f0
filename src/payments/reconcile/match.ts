/**
 * Which bank credits pay which invoices. Pure: it gets the entries, the ledger's open
 * invoices, customers and known payer accounts, and returns one decision per entry. No
 * clock, no database. The rules, in order (the AR team's order of confidence):
 *
 *   0. debits and reversals are `ignored`: they are never customer payments;
 *   1. invoice numbers written in the remittance text or references (tolerant of separators,
 *      case and leading zeros: "inv 01001" finds INV-1001). All named invoices must belong
 *      to one customer; the money goes to them in the order named, the rest by the ledger's
 *      allocation (oldest first), what is left is the customer's credit;
 *   2. the payer's account (IBAN) or name identifies the customer; within that customer an
 *      open invoice with exactly this balance, else a unique combination of up to three open
 *      invoices summing to it, else the ledger's allocation oldest first;
 *   3. without a customer: the one open invoice in the whole ledger with exactly this balance
 *      (only when exactly one has it, and the payer's name, if given, fits its customer);
 *   4. otherwise `unmatched`: a person assigns it.
 * Each decision is applied to a working copy of the balances before the next entry is
 * matched, so two payments never settle the same balance twice. Applications come from the
 * ledger's allocator (src/ledger/allocation.ts), so a bank payment splits exactly as an
 * imported one would.
 */
import { allocatePayment, type OpenInvoice } from '../../ledger/allocation.ts';

export interface EntryToMatch {
  amount: number;
  currency: string;
  reversal: boolean;
  /** Texts searched for invoice numbers: remittance, creditor reference, end-to-end id, … */
  texts: readonly string[];
  counterpartyName: string | null;
  counterpartyIban: string | null;
}

export interface LedgerInvoice extends OpenInvoice {
  customerId: number;
}

export interface LedgerCustomer {
  id: number;
  name: string;
}

export interface LedgerSnapshot {
  /** Open invoices (balance > 0, not void) of every customer. */
  invoices: readonly LedgerInvoice[];
  customers: readonly LedgerCustomer[];
  /** Known payer accounts: normalised IBAN → customer id. */
  bankAccounts: ReadonlyMap<string, number>;
}

export type MatchRule = 'invoice_number' | 'amount' | 'counterparty';

export type MatchDecision =
  | { status: 'ignored'; reason: string }
  | { status: 'unmatched'; reason: string }
  | {
      status: 'matched';
      rule: MatchRule;
      customerId: number;
      /** What goes to which invoice, in the order decided. */
      applications: { invoiceId: number; number: string; amount: number }[];
      /** amount − applied: stays on the customer's account. */
      credit: number;
    };

/** Letter runs and digit runs, upper-cased; separators and case carry no meaning. */
function runsOf(text: string): string[] {
  return (text.toUpperCase().match(/\p{L}+|\p{N}+/gu) ?? []).map((run) =>
    /^\p{N}+$/u.test(run) ? run.replace(/^0+(?=\p{N})/u, '') : run,
  );
}

/** "INV-0001001", "inv 1001" and "INV1001" → "INV1001"; "2026/0042" → "202642". */
export function invoiceKey(text: string): string {
  return runsOf(text).join('');
}

export function normaliseIban(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

const LEGAL_FORMS = new Set([
  'GMBH',
  'AG',
  'KG',
  'OHG',
  'UG',
  'LTD',
  'LIMITED',
  'PLC',
  'LLC',
  'INC',
  'CORP',
  'CO',
  'SA',
  'SAS',
  'SARL',
  'SRL',
  'SPA',
  'BV',
  'NV',
  'AB',
  'AS',
  'OY',
  'KFT',
  'SP',
  'ZOO',
]);

/** "ACME GmbH & Co. KG" → "ACME": case, punctuation and legal forms do not tell payers apart. */
export function nameKey(name: string): string {
  return (
    name
      .toUpperCase()
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      // "S.A." is "SA", "Co." is "CO"
      .replace(/\./g, '')
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w !== '' && !LEGAL_FORMS.has(w))
      .join(' ')
  );
}

/** Two names share a word of three letters or more (after nameKey). */
export function namesOverlap(a: string, b: string): boolean {
  const words = new Set(
    nameKey(b)
      .split(' ')
      .filter((w) => w.length >= 3),
  );
  return nameKey(a)
    .split(' ')
    .some((w) => w.length >= 3 && words.has(w));
}

/** The shortest key an invoice number must have to be searched for in free text. */
const MIN_KEY_LENGTH = 3;
/** Windows of up to this many letter or digit runs are tried ("RE-2026-0001-A"). */
const MAX_WINDOW = 6;

/** Invoices named in the texts, in order of appearance (each once). */
export function findInvoiceNumbers(
  texts: readonly string[],
  byKey: ReadonlyMap<string, readonly LedgerInvoice[]>,
): LedgerInvoice[][] {
  const found: LedgerInvoice[][] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    const runs = runsOf(text);
    for (let i = 0; i < runs.length; i++) {
      // the longest window first: "INV 1001" is one number, not "INV" and "1001"
      for (let w = Math.min(MAX_WINDOW, runs.length - i); w >= 1; w--) {
        const key = runs.slice(i, i + w).join('');
        if (key.length < MIN_KEY_LENGTH) continue;
        const hits = byKey.get(key);
        if (!hits) continue;
        if (!seen.has(key)) {
          seen.add(key);
          found.push([...hits]);
        }
        i += w - 1;
        break;
      }
    }
  }
  return found;
}

/** Up to `max` invoices (oldest first) whose balances sum to `amount`, if exactly one such set exists. */
function uniqueCombination(
  invoices: readonly LedgerInvoice[],
  amount: number,
  max: number,
): LedgerInvoice[] | null {
  // oldest first, so the split reads like the ledger's allocation
  const list = [...invoices].sort(
    (a, b) => a.dueDate.localeCompare(b.dueDate) || a.number.localeCompare(b.number) || a.id - b.id,
  );
  let result: LedgerInvoice[] | null = null;
  let count = 0;
  const pick: LedgerInvoice[] = [];
  const walk = (start: number, left: number): void => {
    if (count > 1) return;
    if (left === 0 && pick.length >= 2) {
      count++;
      result = [...pick];
      return;
    }
    if (pick.length === max || left <= 0) return;
    for (let i = start; i < list.length; i++) {
      const inv = list[i]!;
      if (inv.openBalance > left) continue;
      pick.push(inv);
      walk(i + 1, left - inv.openBalance);
      pick.pop();
      if (count > 1) return;
    }
  };
  walk(0, amount);
  return count === 1 ? result : null;
}

/** Most open invoices of one customer searched for a combination (beyond, only single matches). */
const MAX_COMBINATION_POOL = 40;

export function matchEntries(entries: readonly EntryToMatch[], ledger: LedgerSnapshot): MatchDecision[] {
  // the working copy: balances drop as entries are matched
  const open = new Map<number, LedgerInvoice>();
  const byCustomer = new Map<number, LedgerInvoice[]>();
  for (const inv of ledger.invoices) {
    if (inv.openBalance <= 0) continue;
    const copy = { ...inv };
    open.set(inv.id, copy);
    const list = byCustomer.get(inv.customerId);
    if (list) list.push(copy);
    else byCustomer.set(inv.customerId, [copy]);
  }
  const byKey = new Map<string, LedgerInvoice[]>();
  for (const inv of ledger.invoices) {
    const key = invoiceKey(inv.number);
    const list = byKey.get(key);
    if (list) list.push(inv);
    else byKey.set(key, [inv]);
  }
  const nameOf = new Map(ledger.customers.map((c) => [c.id, c.name]));
  const byName = new Map<string, number[]>();
  for (const c of ledger.customers) {
    const key = nameKey(c.name);
    if (key === '') continue;
    const list = byName.get(key);
    if (list) list.push(c.id);
    else byName.set(key, [c.id]);
  }
  const openOf = (customerId: number, currency: string) =>
    [...open.values()].filter(
      (i) => i.customerId === customerId && i.currency === currency && i.openBalance > 0,
    );

  const settle = (
    entry: EntryToMatch,
    customerId: number,
    rule: MatchRule,
    named: readonly LedgerInvoice[],
  ): MatchDecision => {
    const pool = openOf(customerId, entry.currency);
    const allocation = allocatePayment(
      {
        amount: entry.amount,
        currency: entry.currency,
        reference: '',
        appliedTo: named.map((n) => ({ number: n.number, amount: null })),
      },
      pool,
    );
    for (const app of allocation.applications) {
      const inv = open.get(app.invoiceId)!;
      inv.openBalance -= app.amount;
    }
    const applications = allocation.applications.map((a) => ({
      invoiceId: a.invoiceId,
      number: a.number,
      amount: a.amount,
    }));
    return {
      status: 'matched',
      rule,
      customerId,
      applications,
      credit: allocation.unapplied,
    };
  };

  return entries.map((entry): MatchDecision => {
    if (entry.reversal) return { status: 'ignored', reason: 'a reversal of an earlier booking' };
    if (entry.amount <= 0) return { status: 'ignored', reason: 'a debit (money out)' };

    // 1. invoice numbers
    const named = findInvoiceNumbers(entry.texts, byKey);
    const unambiguous = named.filter((hits) => hits.length === 1).map((hits) => hits[0]!);
    const customers = new Set(unambiguous.map((i) => i.customerId));
    if (customers.size > 1) {
      return {
        status: 'unmatched',
        reason: `the text names invoices of ${customers.size} customers (${unambiguous.map((i) => i.number).join(', ')})`,
      };
    }
    const [byNumber] = [...customers];
    if (byNumber !== undefined) {
      const sameCurrency = unambiguous.filter((i) => i.currency === entry.currency);
      if (sameCurrency.length === 0) {
        return {
          status: 'unmatched',
          reason: `invoice ${unambiguous[0]!.number} is in ${unambiguous[0]!.currency}, the payment in ${entry.currency}`,
        };
      }
      return settle(entry, byNumber, 'invoice_number', sameCurrency);
    }

    // 2. the payer identifies the customer
    let payer: number | null = null;
    if (entry.counterpartyIban)
      payer = ledger.bankAccounts.get(normaliseIban(entry.counterpartyIban)) ?? null;
    if (payer === null && entry.counterpartyName) {
      const ids = byName.get(nameKey(entry.counterpartyName)) ?? [];
      if (ids.length === 1) payer = ids[0]!;
    }
    if (payer !== null) {
      const pool = openOf(payer, entry.currency);
      const exact = pool.filter((i) => i.openBalance === entry.amount);
      if (exact.length === 1) return settle(entry, payer, 'amount', exact);
      if (exact.length === 0 && pool.length <= MAX_COMBINATION_POOL) {
        const combination = uniqueCombination(pool, entry.amount, 3);
        if (combination) return settle(entry, payer, 'amount', combination);
      }
      return settle(entry, payer, 'counterparty', []);
    }

    // 3. one open invoice in the whole ledger with exactly this balance
    // — unless the payer's name says it is someone else (a salary of 3000.00 is not a
    // customer's 3000.00 invoice)
    const exact = [...open.values()].filter(
      (i) => i.currency === entry.currency && i.openBalance === entry.amount,
    );
    if (exact.length === 1) {
      const only = exact[0]!;
      const owner = nameOf.get(only.customerId) ?? '';
      if (!entry.counterpartyName || namesOverlap(entry.counterpartyName, owner)) {
        return settle(entry, only.customerId, 'amount', exact);
      }
      return {
        status: 'unmatched',
        reason: `the one open invoice of this amount (${only.number}) is ${owner}'s, but the payer is ${entry.counterpartyName}`,
      };
    }

    return {
      status: 'unmatched',
      reason:
        exact.length > 1
          ? `${exact.length} open invoices have exactly this balance and nothing tells them apart`
          : 'no invoice number, known payer or matching open balance',
    };
  });
}
