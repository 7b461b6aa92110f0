/**
 * The steady day: which customers a run has to plan when an earlier complete run exists, so
 * that its work follows what can fire today and not the size of the ledger
 * (docs/decisions/0006-engine-steady-day.md has the argument in full).
 *
 * The basis is the latest finished run over every customer (not the scheduler's subsets)
 * whose day P is on or before D. After it, every customer is either *settled* — each of its
 * open invoices has its latest due slot recorded, or no slot due yet — or *pending*: the
 * run left something undecided (a wait for R5/R8, an invoice that may not fire because it is
 * disputed, on hold, promised or its customer paused, no dunning campaign). Every run stores
 * that per planned customer (engine_customer_state). A settled customer gets a decision on D
 * only when something moves:
 *   1. time: a slot of an open invoice falls due in (P, D] — due_date in (P − o, D − o] for
 *      a slot offset o of any dunning campaign (one range per offset, on the partial index
 *      invoices_open_due);
 *   2. data: its row or one of its invoices changed since the basis started (updated_at,
 *      kept by a trigger for writers that do not set it), an invoice was issued in (P, D],
 *      an application dated in (P, D] or after D changes a balance as of D;
 *   3. events: its welcome window covers D, it has an open or recently broken promise;
 *      a monthly statement day in (P, D] makes the whole day a full pass.
 * Anything the rule cannot bound (no basis, campaigns applied since, organisation changed,
 * a run planning a day before the latest complete run) also means a full pass. Customers that are
 * only in group 1 and for which no audience depends on balances are planned with just their
 * window invoices: every other open invoice of theirs is settled, so it changes no decision.
 */
import { addDays, type CalendarDate, daysBetween, daysInMonth } from '../ledger/dates.ts';
import type { Queryable } from '../platform/db/index.ts';
import type { EngineContext } from './load.ts';
import { variantOffsets } from './planner/ab.ts';
import { campaignSlots } from './planner/slots.ts';
import type { CampaignDefinition } from './planner/types.ts';

/** Broken promises older than this are past any catch-up window (the loader's history). */
export const BROKEN_PROMISE_HISTORY_DAYS = 60;

export interface SteadyBasis {
  runId: number;
  runDate: CalendarDate;
  /**
   * Rows changed at or after this instant may be unknown to the basis: its start, or the
   * start of the oldest transaction open in the database when it began (migration 0201).
   */
  changesSince: string;
}

/** The open-invoice row the loader reads (window rows are read once, up front). */
export type InvoiceRow = {
  id: number;
  customer_id: number;
  number: string;
  currency: string;
  issue_date: string;
  due_date: string;
  amount: number;
  open_balance: number;
  disputed: boolean;
  on_hold: boolean;
};

export const INVOICE_COLUMNS =
  'id, customer_id, number, currency, issue_date, due_date, amount, open_balance, disputed, on_hold';

/** What a steady day plans: every customer listed, some of them with only their window invoices. */
export interface SteadySelection {
  basis: SteadyBasis;
  /** Every customer to plan, ascending. */
  customerIds: number[];
  /** Customers planned with only these invoice rows (the rest of their ledger is settled). */
  windowOnly: Map<number, InvoiceRow[]>;
  /** Why each customer was chosen (counts for the profile and the decision doc). */
  reasons: Record<string, number>;
}

/**
 * The run a windowed day can start from, or null (then the day is a full pass).
 */
export async function findSteadyBasis(q: Queryable, date: CalendarDate): Promise<SteadyBasis | null> {
  const [basis] = await q.query<{
    id: number;
    run_date: string;
    since: string;
    tracks_pending: boolean;
  }>(
    `SELECT id, run_date, coalesce(changes_since, started_at) AS since, tracks_pending FROM engine_runs
      WHERE status = 'finished' AND customer_count IS NULL
      ORDER BY run_date DESC, id DESC LIMIT 1`,
  );
  // Planning a day before the latest complete run (a re-run of the past) is a full pass.
  if (!basis?.tracks_pending || basis.run_date > date) return null;
  // Campaigns applied, or organisation defaults (language, currency, time zone) changed since
  // the basis started: audiences and slots may differ from what the basis decided.
  const [changed] = await q.query<{ changed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM campaign_sets WHERE applied_at >= $1)
         OR EXISTS (SELECT 1 FROM organisation WHERE updated_at >= $1) AS changed`,
    [basis.since],
  );
  if (changed?.changed) return null;
  return { runId: basis.id, runDate: basis.run_date, changesSince: basis.since };
}

/** Inclusive due-date ranges [from, to] in which an invoice has a slot falling due in (P, D]. */
export function dueWindows(campaigns: readonly CampaignDefinition[], P: CalendarDate, D: CalendarDate) {
  const offsets = new Set<number>();
  for (const c of campaigns) {
    if (c.trigger !== undefined) continue;
    for (const slot of campaignSlots(c)) offsets.add(slot.offset);
    // A/B steps with an offset variant: arm b's customers have a slot at that offset.
    for (const o of variantOffsets(c)) offsets.add(o);
  }
  const ranges = [...offsets]
    .map((o) => ({ from: addDays(P, 1 - o), to: addDays(D, -o) }))
    .filter((r) => r.from <= r.to)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: { from: CalendarDate; to: CalendarDate }[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && addDays(last.to, 1) >= r.from) {
      if (r.to > last.to) last.to = r.to;
    } else merged.push({ ...r });
  }
  return merged;
}

/** A statement_monthly event day E with P < E ≤ D that D still lies in the window of. */
function statementDayFalls(campaigns: readonly CampaignDefinition[], P: CalendarDate, D: CalendarDate) {
  for (const c of campaigns) {
    if (c.trigger !== 'statement_monthly' || c.dayOfMonth === undefined) continue;
    for (let month = D.slice(0, 7), i = 0; i < 2; i++, month = addDays(`${month}-01`, -1).slice(0, 7)) {
      const y = Number(month.slice(0, 4));
      const m = Number(month.slice(5, 7));
      const day = `${month}-${String(Math.min(c.dayOfMonth, daysInMonth(y, m))).padStart(2, '0')}`;
      const late = daysBetween(day, D);
      if (day > P && late >= 0 && late <= c.catchUpDays) return true;
    }
  }
  return false;
}

function usesBalance(campaigns: readonly CampaignDefinition[]): boolean {
  return campaigns.some(
    (c) => c.audience.minOpenBalance !== undefined || c.audience.maxOpenBalance !== undefined,
  );
}

/**
 * The customers D has to plan after `basis`, or null when D must be a full pass.
 * `extraCustomerIds`: customers a run already knows have news (promises broken on D).
 */
export async function selectSteadyCustomers(
  q: Queryable,
  ctx: EngineContext,
  basis: SteadyBasis,
  extraCustomerIds: readonly number[] = [],
): Promise<SteadySelection | null> {
  const D = ctx.date;
  const P = basis.runDate;
  if (statementDayFalls(ctx.campaigns, P, D)) return null;
  const reasons: Record<string, number> = {};
  const full = new Set<number>();
  const add = (reason: string, ids: Iterable<number>) => {
    let n = 0;
    for (const id of ids) {
      if (!full.has(id)) n++;
      full.add(id);
    }
    reasons[reason] = (reasons[reason] ?? 0) + n;
  };
  add('event', extraCustomerIds);
  const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

  // Left pending by their last planning.
  add('pending', ids(await q.query('SELECT customer_id AS id FROM engine_customer_state WHERE pending')));

  // Customer rows changed or created since the basis started, or in a welcome window.
  const created = ctx.campaigns
    .filter((c) => c.trigger === 'customer_created')
    .flatMap((c) => c.steps.map((s) => ({ from: -(s.offsetDays + c.catchUpDays), to: -s.offsetDays })));
  // A customer's local creation date is within a day of its UTC one: two days of slack.
  const welcomeFrom = created.length ? addDays(D, Math.min(...created.map((w) => w.from)) - 2) : null;
  const welcomeTo = created.length ? addDays(D, Math.max(...created.map((w) => w.to)) + 2) : null;
  add(
    'customer changed',
    ids(
      await q.query(
        `SELECT id FROM customers
          WHERE updated_at >= $1 OR created_at >= $1
             OR ($2::date IS NOT NULL AND created_at >= $2::date::timestamp AT TIME ZONE 'UTC'
                 AND created_at < $3::date::timestamp AT TIME ZONE 'UTC')`,
        [basis.changesSince, welcomeFrom, welcomeTo],
      ),
    ),
  );
  // Invoices changed since the basis started (updated_at is kept by a trigger, balances
  // included), or issued in (P, D]: one pass inside the database, no rows shipped.
  add(
    'invoice changed',
    ids(
      await q.query(
        `SELECT DISTINCT customer_id AS id FROM invoices
          WHERE updated_at >= $1 OR (issue_date > $2 AND issue_date <= $3)`,
        [basis.changesSince, P, D],
      ),
    ),
  );
  // Balances as of D move with applications dated in (P, D], and with any dated after D.
  add(
    'balance as of D',
    ids(
      await q.query(
        `SELECT DISTINCT i.customer_id AS id FROM applications a JOIN invoices i ON i.id = a.invoice_id
          WHERE a.date > $1`,
        [P],
      ),
    ),
  );
  // Open promises (they expire by date) and promises broken recently enough to fire.
  add(
    'promise',
    ids(
      await q.query(
        `SELECT DISTINCT customer_id AS id FROM promises
          WHERE status = 'open' OR (status = 'broken' AND settled_on >= $1)`,
        [addDays(D, -BROKEN_PROMISE_HISTORY_DAYS)],
      ),
    ),
  );

  // Slots falling due in (P, D]: one indexed range per distinct offset (merged when they touch).
  const windowOnly = new Map<number, InvoiceRow[]>();
  const windows = dueWindows(ctx.campaigns, P, D);
  const balance = usesBalance(ctx.campaigns);
  let windowInvoices = 0;
  for (const w of windows) {
    const rows = await q.query<InvoiceRow>(
      `SELECT ${INVOICE_COLUMNS} FROM invoices
        WHERE open_balance > 0 AND status = 'open' AND due_date BETWEEN $1 AND $2 AND issue_date <= $3`,
      [w.from, w.to, D],
    );
    windowInvoices += rows.length;
    for (const r of rows) {
      if (full.has(r.customer_id)) continue;
      if (balance) {
        add('due (balance audience)', [r.customer_id]);
        continue;
      }
      const list = windowOnly.get(r.customer_id);
      if (list) list.push(r);
      else windowOnly.set(r.customer_id, [r]);
    }
  }
  reasons['due (window invoices only)'] = windowOnly.size;
  reasons['window invoices read'] = windowInvoices;
  const customerIds = [...full, ...windowOnly.keys()].sort((a, b) => a - b);
  return { basis, customerIds, windowOnly, reasons };
}
