/**
 * The disputes board's read side: open disputes with their invoice, customer and collector,
 * oldest first (keyset on opened_at, id), and the count per reason for the board's columns.
 * Resolving goes through ./disputes.ts (the same action as everywhere else).
 *
 * An invoice imported with `disputed = true` has no dispute row (no reason, no date) and is
 * not on the board; the invoice list's disputed filter finds it.
 */
import type { Queryable } from '../platform/db/index.ts';
import type { CalendarDate } from './dates.ts';
import { formatAmount } from './money.ts';
import { decodeCursor, encodeCursor, type Page } from './read.ts';

export interface BoardDispute {
  id: number;
  reason: string;
  note: string | null;
  opened_by: string;
  opened_at: string;
  /** whole days since it was opened, counted in the organisation's calendar */
  age_days: number;
  invoice: string;
  currency: string;
  amount: string;
  open_balance: string;
  due_date: CalendarDate;
  customer_external_id: string;
  customer_name: string;
  collector: string | null;
}

export interface BoardFilter {
  today: CalendarDate;
  reason?: string | undefined;
  /** user id of the customer's collector, or 'none' */
  collector?: number | 'none' | undefined;
  limit: number;
  cursor?: string | undefined;
}

function conditions(f: Omit<BoardFilter, 'limit' | 'cursor' | 'today'>, params: unknown[]): string[] {
  const where = [`d.status = 'open'`];
  if (f.reason !== undefined) {
    params.push(f.reason);
    where.push(`d.reason = $${params.length}`);
  }
  if (f.collector === 'none') where.push('c.collector_user_id IS NULL');
  else if (f.collector !== undefined) {
    params.push(f.collector);
    where.push(`c.collector_user_id = $${params.length}::bigint`);
  }
  return where;
}

export async function listOpenDisputes(db: Queryable, f: BoardFilter): Promise<Page<BoardDispute>> {
  const params: unknown[] = [f.today];
  const where = conditions(f, params);
  if (f.cursor) {
    // the cursor holds opened_at with microseconds (text), so no two rows compare equal by rounding
    const [at, id] = decodeCursor(f.cursor, 'text');
    params.push(at, id);
    where.push(`(d.opened_at, d.id) > ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
  }
  params.push(f.limit + 1);
  const rows = await db.query<{
    id: number;
    reason: string;
    note: string | null;
    opened_by: string;
    opened_at: string;
    cursor_at: string;
    age_days: number;
    invoice: string;
    currency: string;
    amount: number;
    open_balance: number;
    due_date: CalendarDate;
    customer_external_id: string;
    customer_name: string;
    collector: string | null;
  }>(
    `SELECT d.id::int AS id, d.reason, d.note, d.opened_by, d.opened_at,
            to_char(d.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
            ($1::date - (d.opened_at AT TIME ZONE o.time_zone)::date)::int AS age_days,
            i.number AS invoice, i.currency, i.amount, i.open_balance, i.due_date,
            c.external_id AS customer_external_id, c.name AS customer_name, u.email AS collector
       FROM disputes d
       JOIN invoices i ON i.id = d.invoice_id
       JOIN customers c ON c.id = d.customer_id
       CROSS JOIN organisation o
       LEFT JOIN users u ON u.id = c.collector_user_id
      WHERE ${where.join(' AND ')}
      ORDER BY d.opened_at, d.id
      LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > f.limit;
  const kept = more ? rows.slice(0, f.limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map((r) => {
      const currency = r.currency.trim();
      return {
        id: r.id,
        reason: r.reason,
        note: r.note,
        opened_by: r.opened_by,
        opened_at: new Date(r.opened_at).toISOString(),
        age_days: Math.max(0, r.age_days),
        invoice: r.invoice,
        currency,
        amount: formatAmount(Number(r.amount), currency),
        open_balance: formatAmount(Number(r.open_balance), currency),
        due_date: r.due_date,
        customer_external_id: r.customer_external_id,
        customer_name: r.customer_name,
        collector: r.collector,
      };
    }),
    next_cursor: more && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

/** Open disputes per reason (the board's columns), most common first. */
export async function openDisputeReasons(
  db: Queryable,
  f: Omit<BoardFilter, 'limit' | 'cursor' | 'today' | 'reason'>,
): Promise<{ reason: string; count: number }[]> {
  const params: unknown[] = [];
  const where = conditions(f, params);
  return db.query<{ reason: string; count: number }>(
    `SELECT d.reason, count(*)::int AS count
       FROM disputes d JOIN customers c ON c.id = d.customer_id
      WHERE ${where.join(' AND ')}
      GROUP BY d.reason ORDER BY count(*) DESC, d.reason`,
    params,
  );
}
