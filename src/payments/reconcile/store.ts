/**
 * Reconciling a bank file against the ledger: the shell around the pure parsers
 * (../bank) and the pure matcher (./match.ts). One transaction per file:
 *
 *   parse (nothing is written when the file is bad) → lock → skip a file seen before (sha256)
 *   → load the open invoices, customers and payer accounts → skip entries seen before (from
 *   an overlapping file) → match → store file, statements and entries → record each matched
 *   credit as a payment (src/payments/record.ts: applications, kept promises, R6 message
 *   cancellation, timeline) → learn the payer's IBAN → one organisation timeline event.
 *
 * A dry run does all of it and rolls back, so it shows exactly what a real run would do.
 */
import { createHash } from 'node:crypto';
import type { CalendarDate } from '../../ledger/dates.ts';
import { formatAmount, MoneyFormatError, parseAmount } from '../../ledger/money.ts';
import { recordEvent } from '../../platform/audit.ts';
import type { Db, Queryable, Tx } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import {
  type BankEntry,
  type BankFormat,
  type CsvOptions,
  type ParsedFile,
  parseBankFile,
} from '../bank/index.ts';
import { recordPayment } from '../record.ts';
import {
  type EntryToMatch,
  type LedgerSnapshot,
  type MatchDecision,
  type MatchRule,
  matchEntries,
  normaliseIban,
} from './match.ts';

export type EntryStatus = 'matched' | 'unmatched' | 'ignored';

/** One entry as PRODUCT §2.2 shows it. */
export interface EntryReport {
  date: string | null;
  amount: string;
  currency: string;
  reversal: boolean;
  reference: string | null;
  remittance: string;
  counterparty: string | null;
  status: EntryStatus;
  invoices: string[];
}

export interface StatementReport {
  account: string;
  currency: string;
  opening_balance: string | null;
  closing_balance: string | null;
  entries: EntryReport[];
}

/** `dunwell reconcile --json` (PRODUCT §2.2). */
export interface ReconcileReport {
  format: BankFormat;
  statements: StatementReport[];
}

export interface ReconcileTotals {
  count: number;
  /** Sum of the entries' amounts per currency, minor units. */
  amounts: Record<string, number>;
}

export interface ReconcileOutcome {
  report: ReconcileReport;
  /** The stored file (null on a dry run). */
  fileId: number | null;
  /** True when this exact file was imported before: nothing changed. */
  alreadyImported: boolean;
  /** Entries already imported from another file (shown with their stored status). */
  repeatedEntries: number;
  /** Entry ids in report order (null in a dry run or for a repeated entry of a dry run). */
  entryIds: (number | null)[][];
  totals: Record<EntryStatus, ReconcileTotals>;
}

export interface ReconcileOptions {
  actor: string;
  /** The organisation's today: R6 checks planned messages up to it. */
  today: CalendarDate;
  format?: BankFormat;
  csv?: CsvOptions;
  dryRun?: boolean;
  fileName?: string;
}

/** Serialises reconciliations: two files at once must not match the same open balance. */
const RECONCILE_LOCK = 0x6261_6e6b; // 'bank'

class DryRun extends Error {
  constructor(readonly outcome: ReconcileOutcome) {
    super('dry run');
  }
}

/** The texts searched for invoice numbers. */
function textsOf(e: BankEntry): string[] {
  return [e.remittance, e.creditorReference, e.endToEndId, e.entryReference, e.bankReference].filter(
    (t): t is string => Boolean(t),
  );
}

/** The date shown for an entry: booked, else value date. */
const entryDate = (e: BankEntry) => e.bookingDate ?? e.valueDate;

/**
 * An entry's identity across files: account, the bank's reference, date, amount, currency,
 * and its position among identical lines of its statement (two equal transfers on one day
 * without references are two payments).
 */
function identities(parsed: ParsedFile): string[][] {
  return parsed.statements.map((s) => {
    const seen = new Map<string, number>();
    return s.entries.map((e) => {
      const base = [
        s.account.replace(/\s+/g, '').toUpperCase(),
        e.bankReference ?? e.entryReference ?? e.endToEndId ?? '',
        entryDate(e) ?? '',
        e.amount,
        e.currency,
        e.reversal ? 'R' : '',
      ].join('|');
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return `${base}|${n}`;
    });
  });
}

const money = (minor: number | null, currency: string) =>
  minor === null ? null : formatAmount(minor, currency);

function entryReport(e: BankEntry, status: EntryStatus, invoices: string[]): EntryReport {
  return {
    date: entryDate(e),
    amount: formatAmount(e.amount, e.currency),
    currency: e.currency,
    reversal: e.reversal,
    reference: e.bankReference ?? e.entryReference ?? e.endToEndId ?? null,
    remittance: e.remittance || e.creditorReference || '',
    counterparty: e.counterpartyName ?? e.counterpartyIban ?? null,
    status,
    invoices,
  };
}

async function loadSnapshot(q: Queryable): Promise<LedgerSnapshot> {
  const invoices = await q.query<{
    id: number;
    customer_id: number;
    number: string;
    currency: string;
    due_date: string;
    issue_date: string;
    open_balance: number;
    adjustment: number;
  }>(
    `SELECT i.id, i.customer_id, i.number, i.currency, i.due_date, i.issue_date, i.open_balance,
            coalesce(a.amount, 0) AS adjustment
       FROM invoices i
       LEFT JOIN applications a ON a.invoice_id = i.id AND a.kind = 'adjustment'
      WHERE i.status <> 'void' AND (i.open_balance > 0 OR a.amount > 0)`,
  );
  const customers = await q.query<{ id: number; name: string }>('SELECT id, name FROM customers');
  const accounts = await q.query<{ iban: string; customer_id: number }>(
    'SELECT iban, customer_id FROM bank_accounts',
  );
  return {
    // what a payment may still settle: the same rule as recordPayment and the import
    invoices: invoices.map((i) => ({
      id: i.id,
      customerId: i.customer_id,
      number: i.number,
      currency: i.currency,
      dueDate: i.due_date,
      issueDate: i.issue_date,
      openBalance: Math.max(0, i.open_balance) + i.adjustment,
    })),
    customers,
    bankAccounts: new Map(accounts.map((a) => [a.iban, a.customer_id])),
  };
}

async function learnIban(tx: Queryable, iban: string | null, customerId: number, how: string): Promise<void> {
  if (!iban) return;
  const normal = normaliseIban(iban);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$/.test(normal)) return; // a domestic account number: not an IBAN
  await tx.execute(
    `INSERT INTO bank_accounts (customer_id, iban, learned_from) VALUES ($1, $2, $3)
     ON CONFLICT (iban) DO NOTHING`,
    [customerId, normal, how],
  );
}

function emptyTotals(): Record<EntryStatus, ReconcileTotals> {
  return {
    matched: { count: 0, amounts: {} },
    unmatched: { count: 0, amounts: {} },
    ignored: { count: 0, amounts: {} },
  };
}

function addTotal(totals: Record<EntryStatus, ReconcileTotals>, status: EntryStatus, e: BankEntry): void {
  const t = totals[status];
  t.count++;
  t.amounts[e.currency] = (t.amounts[e.currency] ?? 0) + e.amount;
}

/** The stored status of entries already imported (by identity). */
async function storedEntries(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, { id: number; status: EntryStatus; invoices: string[] }>> {
  if (ids.length === 0) return new Map();
  const rows = await q.query<{ id: number; identity: string; status: EntryStatus; invoices: string[] }>(
    `SELECT e.id, e.identity, e.status,
            coalesce((SELECT array_agg(i.number ORDER BY a.id) FROM applications a JOIN invoices i ON i.id = a.invoice_id
                       WHERE e.payment_id IS NOT NULL AND a.payment_id = e.payment_id), '{}') AS invoices
       FROM bank_entries e WHERE e.identity = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.identity, { id: r.id, status: r.status, invoices: r.invoices }]));
}

async function reconcileIn(
  tx: Tx,
  parsed: ParsedFile,
  sha256: string,
  options: ReconcileOptions,
): Promise<ReconcileOutcome> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [RECONCILE_LOCK]);
  const ids = identities(parsed);
  const [previous] = await tx.query<{ id: number }>('SELECT id FROM bank_files WHERE sha256 = $1', [sha256]);
  const stored = await storedEntries(tx, ids.flat());
  const totals = emptyTotals();

  if (previous) {
    // the same bytes again: report what the first import decided, change nothing
    const statements = parsed.statements.map((s, si) => ({
      account: s.account,
      currency: s.currency,
      opening_balance: money(s.openingBalance, s.currency),
      closing_balance: money(s.closingBalance, s.currency),
      entries: s.entries.map((e, ei) => {
        const known = stored.get(ids[si]![ei]!);
        const status = known?.status ?? (e.amount > 0 && !e.reversal ? 'unmatched' : 'ignored');
        addTotal(totals, status, e);
        return entryReport(e, status, known?.invoices ?? []);
      }),
    }));
    return {
      report: { format: parsed.format, statements },
      fileId: previous.id,
      alreadyImported: true,
      repeatedEntries: ids.flat().length,
      entryIds: ids.map((list) => list.map((id) => stored.get(id)?.id ?? null)),
      totals,
    };
  }

  const snapshot = await loadSnapshot(tx);
  // only entries not seen in another file are matched
  const fresh: { si: number; ei: number; entry: BankEntry }[] = [];
  parsed.statements.forEach((s, si) => {
    s.entries.forEach((entry, ei) => {
      if (!stored.has(ids[si]![ei]!)) fresh.push({ si, ei, entry });
    });
  });
  const toMatch: EntryToMatch[] = fresh.map(({ entry }) => ({
    amount: entry.amount,
    currency: entry.currency,
    reversal: entry.reversal,
    texts: textsOf(entry),
    counterpartyName: entry.counterpartyName,
    counterpartyIban: entry.counterpartyIban,
  }));
  const decisions = matchEntries(toMatch, snapshot);
  const decisionAt = new Map<string, MatchDecision>();
  for (const [i, f] of fresh.entries()) decisionAt.set(`${f.si}:${f.ei}`, decisions[i]!);

  const [file] = await tx.query<{ id: number }>(
    `INSERT INTO bank_files (sha256, format, file_name, imported_by) VALUES ($1, $2, $3, $4) RETURNING id`,
    [sha256, parsed.format, options.fileName ?? null, options.actor],
  );
  const fileId = file!.id;
  const statements: StatementReport[] = [];
  const entryIds: (number | null)[][] = [];
  for (const [si, s] of parsed.statements.entries()) {
    const [st] = await tx.query<{ id: number }>(
      `INSERT INTO bank_statements (file_id, position, statement_ref, account, currency, opening_balance, closing_balance)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [fileId, si + 1, s.id, s.account, s.currency, s.openingBalance, s.closingBalance],
    );
    const entries: EntryReport[] = [];
    const stIds: (number | null)[] = [];
    for (const [ei, e] of s.entries.entries()) {
      const identity = ids[si]![ei]!;
      const known = stored.get(identity);
      if (known) {
        addTotal(totals, known.status, e);
        entries.push(entryReport(e, known.status, known.invoices));
        stIds.push(known.id);
        continue;
      }
      const decision = decisionAt.get(`${si}:${ei}`)!;
      let paymentId: number | null = null;
      let invoices: string[] = [];
      if (decision.status === 'matched') {
        const recorded = await recordPayment(
          tx,
          {
            customerId: decision.customerId,
            externalId: `bank:${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`,
            date: (e.bookingDate ?? e.valueDate ?? options.today) as CalendarDate,
            amount: e.amount,
            currency: e.currency,
            reference: textsOf(e).join(' ').slice(0, 2000),
            source: 'bank',
            appliedTo: decision.applications.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount })),
          },
          options.actor,
          { today: options.today },
        );
        const applied = recorded.applied.reduce((sum, a) => sum + a.amount, 0);
        const decided = decision.applications.reduce((sum, a) => sum + a.amount, 0);
        if (applied !== decided) {
          throw new Error(
            `bank entry ${identity}: the ledger applied ${applied}, the matcher decided ${decided}`,
          );
        }
        paymentId = recorded.paymentId;
        invoices = recorded.applied.map((a) => a.number);
        if (decision.rule !== 'counterparty')
          await learnIban(tx, e.counterpartyIban, decision.customerId, decision.rule);
      }
      const [row] = await tx.query<{ id: number }>(
        `INSERT INTO bank_entries (statement_id, position, identity, booking_date, value_date, amount, currency, reversal,
                                   bank_reference, entry_reference, end_to_end_id, creditor_reference, remittance,
                                   counterparty_name, counterparty_iban, type_code, status, rule, reason, customer_id,
                                   payment_id, matched_by, matched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
                 CASE WHEN $17 = 'matched' THEN now() END)
         RETURNING id`,
        [
          st!.id,
          ei + 1,
          identity,
          e.bookingDate,
          e.valueDate,
          e.amount,
          e.currency,
          e.reversal,
          e.bankReference,
          e.entryReference,
          e.endToEndId,
          e.creditorReference,
          e.remittance,
          e.counterpartyName,
          e.counterpartyIban,
          e.typeCode,
          decision.status,
          decision.status === 'matched' ? decision.rule : null,
          decision.status === 'matched' ? null : decision.reason,
          decision.status === 'matched' ? decision.customerId : null,
          paymentId,
          decision.status === 'matched' ? options.actor : null,
        ],
      );
      addTotal(totals, decision.status, e);
      entries.push(entryReport(e, decision.status, invoices));
      stIds.push(row!.id);
    }
    statements.push({
      account: s.account,
      currency: s.currency,
      opening_balance: money(s.openingBalance, s.currency),
      closing_balance: money(s.closingBalance, s.currency),
      entries,
    });
    entryIds.push(stIds);
  }
  await recordEvent(tx, {
    actor: options.actor,
    customerId: null,
    action: 'bank_statement.imported',
    entity: 'bank_file',
    entityId: fileId,
    data: {
      format: parsed.format,
      file_name: options.fileName ?? null,
      statements: parsed.statements.length,
      matched: totals.matched.count,
      unmatched: totals.unmatched.count,
      ignored: totals.ignored.count,
    },
  });
  return {
    report: { format: parsed.format, statements },
    fileId,
    alreadyImported: false,
    repeatedEntries: stored.size,
    entryIds,
    totals,
  };
}

/** Imports and matches one bank file (see the header). Throws BankFileError for a bad file. */
export async function reconcileFile(
  db: Db,
  bytes: Uint8Array,
  options: ReconcileOptions,
): Promise<ReconcileOutcome> {
  const parsed = parseBankFile(bytes, {
    ...(options.format ? { format: options.format } : {}),
    ...(options.csv ? { csv: options.csv } : {}),
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (!options.dryRun) return db.transaction((tx) => reconcileIn(tx, parsed, sha256, options));
  try {
    await db.transaction(async (tx) => {
      throw new DryRun(await reconcileIn(tx, parsed, sha256, options));
    });
  } catch (err) {
    if (err instanceof DryRun) {
      const { outcome } = err;
      return { ...outcome, fileId: null, entryIds: outcome.entryIds.map((l) => l.map(() => null)) };
    }
    throw err;
  }
  throw new Error('unreachable: a dry run always rolls back');
}

// ---------------------------------------------------------------------------------------
// Reading and the unmatched queue

export interface EntryView extends EntryReport {
  id: number;
  statement_id: number;
  rule: MatchRule | 'manual' | null;
  reason: string | null;
  customer_external_id: string | null;
  counterparty_iban: string | null;
  end_to_end_id: string | null;
  creditor_reference: string | null;
}

export interface StatementView {
  id: number;
  file_id: number;
  format: BankFormat;
  file_name: string | null;
  imported_at: string;
  account: string;
  currency: string;
  opening_balance: string | null;
  closing_balance: string | null;
  entries_total: number;
  matched: number;
  unmatched: number;
  ignored: number;
}

const ENTRY_SELECT = `
  SELECT e.id, e.statement_id, coalesce(e.booking_date, e.value_date) AS date, e.amount, e.currency, e.reversal,
         coalesce(e.bank_reference, e.entry_reference, e.end_to_end_id) AS reference,
         CASE WHEN e.remittance <> '' THEN e.remittance ELSE coalesce(e.creditor_reference, '') END AS remittance,
         coalesce(e.counterparty_name, e.counterparty_iban) AS counterparty, e.status, e.rule, e.reason,
         c.external_id AS customer_external_id, e.counterparty_iban, e.end_to_end_id, e.creditor_reference,
         coalesce((SELECT array_agg(i.number ORDER BY a.id) FROM applications a JOIN invoices i ON i.id = a.invoice_id
                    WHERE e.payment_id IS NOT NULL AND a.payment_id = e.payment_id), '{}') AS invoices
    FROM bank_entries e LEFT JOIN customers c ON c.id = e.customer_id`;

type EntryRow = Omit<EntryView, 'amount'> & { amount: number };

const entryView = (r: EntryRow): EntryView => ({ ...r, amount: formatAmount(r.amount, r.currency) });

const STATEMENT_SELECT = `
  SELECT s.id, s.file_id, f.format, f.file_name, f.imported_at, s.account, s.currency, s.opening_balance,
         s.closing_balance,
         (SELECT count(*) FROM bank_entries e WHERE e.statement_id = s.id)::int8 AS entries_total,
         (SELECT count(*) FROM bank_entries e WHERE e.statement_id = s.id AND e.status = 'matched')::int8 AS matched,
         (SELECT count(*) FROM bank_entries e WHERE e.statement_id = s.id AND e.status = 'unmatched')::int8 AS unmatched,
         (SELECT count(*) FROM bank_entries e WHERE e.statement_id = s.id AND e.status = 'ignored')::int8 AS ignored
    FROM bank_statements s JOIN bank_files f ON f.id = s.file_id`;

type StatementRow = Omit<StatementView, 'opening_balance' | 'closing_balance'> & {
  opening_balance: number | null;
  closing_balance: number | null;
};

const statementView = (r: StatementRow): StatementView => ({
  ...r,
  opening_balance: money(r.opening_balance, r.currency),
  closing_balance: money(r.closing_balance, r.currency),
});

/** Statements, newest first (keyset on id). */
export async function listStatements(
  q: Queryable,
  filter: { beforeId?: number; limit: number },
): Promise<StatementView[]> {
  const rows = await q.query<StatementRow>(
    `${STATEMENT_SELECT} WHERE ($1::bigint IS NULL OR s.id < $1) ORDER BY s.id DESC LIMIT $2`,
    [filter.beforeId ?? null, filter.limit],
  );
  return rows.map(statementView);
}

export async function getStatement(
  q: Queryable,
  id: number,
): Promise<StatementView & { entries: EntryView[] }> {
  const [row] = await q.query<StatementRow>(`${STATEMENT_SELECT} WHERE s.id = $1`, [id]);
  if (!row) throw new NotFoundError(`no bank statement with id ${id}`);
  const entries = await q.query<EntryRow>(`${ENTRY_SELECT} WHERE e.statement_id = $1 ORDER BY e.position`, [
    id,
  ]);
  return { ...statementView(row), entries: entries.map(entryView) };
}

export async function listEntries(
  q: Queryable,
  filter: { status?: EntryStatus; afterId?: number; limit: number },
): Promise<EntryView[]> {
  const rows = await q.query<EntryRow>(
    `${ENTRY_SELECT} WHERE ($1::text IS NULL OR e.status = $1) AND ($2::bigint IS NULL OR e.id > $2)
      ORDER BY e.id LIMIT $3`,
    [filter.status ?? null, filter.afterId ?? null, filter.limit],
  );
  return rows.map(entryView);
}

export async function getEntry(q: Queryable, id: number): Promise<EntryView> {
  const [row] = await q.query<EntryRow>(`${ENTRY_SELECT} WHERE e.id = $1`, [id]);
  if (!row) throw new NotFoundError(`no bank entry with id ${id}`);
  return entryView(row);
}

/**
 * A person assigns an unmatched credit: to invoices (amounts optional: up to what is open, in
 * the order given) and/or to a customer (the rest is applied oldest first, then credit). The
 * payment is recorded exactly as a matched one; the payer's IBAN is learnt.
 */
export async function matchEntryByHand(
  db: Db,
  input: {
    entryId: number;
    invoices: readonly { number: string; amount?: string | undefined }[];
    customerExternalId?: string | undefined;
    actor: string;
    today: CalendarDate;
  },
): Promise<EntryView> {
  if (input.invoices.length === 0 && !input.customerExternalId) {
    throw new UserError('name the invoices (or the customer) this payment is for');
  }
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [RECONCILE_LOCK]);
    const [entry] = await tx.query<{
      id: number;
      identity: string;
      status: EntryStatus;
      amount: number;
      currency: string;
      booking_date: string | null;
      value_date: string | null;
      remittance: string;
      counterparty_iban: string | null;
    }>(
      `SELECT id, identity, status, amount, currency, booking_date, value_date, remittance, counterparty_iban
         FROM bank_entries WHERE id = $1 FOR UPDATE`,
      [input.entryId],
    );
    if (!entry) throw new NotFoundError(`no bank entry with id ${input.entryId}`);
    if (entry.status !== 'unmatched') {
      throw new UserError(
        `bank entry ${entry.id} is ${entry.status}; only unmatched credits can be assigned by hand`,
      );
    }
    let customerId: number | null = null;
    if (input.customerExternalId) {
      const [c] = await tx.query<{ id: number }>('SELECT id FROM customers WHERE external_id = $1', [
        input.customerExternalId,
      ]);
      if (!c) throw new NotFoundError(`no customer with external_id "${input.customerExternalId}"`);
      customerId = c.id;
    }
    const appliedTo: { invoiceId: number; amount: number }[] = [];
    let left = entry.amount;
    for (const [i, wanted] of input.invoices.entries()) {
      const where = `invoices[${i}]`;
      const [inv] = await tx.query<{
        id: number;
        customer_id: number;
        currency: string;
        open_balance: number;
      }>('SELECT id, customer_id, currency, open_balance FROM invoices WHERE number = $1', [wanted.number]);
      if (!inv) throw new NotFoundError(`${where}: no invoice has the number ${wanted.number}`);
      if (customerId !== null && inv.customer_id !== customerId) {
        throw new UserError(
          `${where}: invoice ${wanted.number} belongs to another customer than the others named`,
        );
      }
      customerId = inv.customer_id;
      if (inv.currency !== entry.currency) {
        throw new UserError(
          `${where}: invoice ${wanted.number} is in ${inv.currency}, the payment in ${entry.currency}`,
        );
      }
      let amount: number;
      if (wanted.amount !== undefined) {
        try {
          amount = parseAmount(wanted.amount, entry.currency);
        } catch (err) {
          if (err instanceof MoneyFormatError) throw new UserError(`${where}.amount: ${err.message}`);
          throw err;
        }
        if (amount <= 0) throw new UserError(`${where}.amount: ${wanted.amount} must be more than 0`);
      } else amount = Math.min(Math.max(0, inv.open_balance), left);
      if (amount > left) {
        throw new UserError(
          `${where}.amount: ${formatAmount(amount, entry.currency)} is more than is left of the payment ` +
            `(${formatAmount(left, entry.currency)} of ${formatAmount(entry.amount, entry.currency)})`,
        );
      }
      left -= amount;
      if (amount > 0) appliedTo.push({ invoiceId: inv.id, amount });
    }
    const recorded = await recordPayment(
      tx,
      {
        customerId: customerId!,
        externalId: `bank:${createHash('sha256').update(entry.identity).digest('hex').slice(0, 32)}`,
        date: (entry.booking_date ?? entry.value_date ?? input.today) as CalendarDate,
        amount: entry.amount,
        currency: entry.currency,
        reference: entry.remittance,
        source: 'bank',
        appliedTo,
      },
      input.actor,
      { today: input.today },
    );
    await tx.execute(
      `UPDATE bank_entries SET status = 'matched', rule = 'manual', reason = NULL, customer_id = $2, payment_id = $3,
              matched_by = $4, matched_at = now()
        WHERE id = $1`,
      [entry.id, customerId, recorded.paymentId, input.actor],
    );
    await learnIban(tx, entry.counterparty_iban, customerId!, 'manual');
  });
  return getEntry(db, input.entryId);
}
