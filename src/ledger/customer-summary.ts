/**
 * The customer page's header: open balance and overdue per currency, average days late and
 * the risk level with the signals behind it (rules in risk.ts), the contacts' bounce state and
 * the campaign assignment. Reads only; a handful of small queries on one customer's rows.
 */
import { loadActiveCampaigns } from '../campaigns/store.ts';
import type { Queryable } from '../platform/db/index.ts';
import { NotFoundError } from '../platform/errors.ts';
import { addDays, type CalendarDate } from './dates.ts';
import { formatAmount } from './money.ts';
import { assessRisk, averageDaysLate, type Risk } from './risk.ts';

export interface CustomerSummary {
  customer_external_id: string;
  as_of: CalendarDate;
  open_balance: Record<string, string>;
  overdue: Record<string, string>;
  /** amount-weighted mean days late of invoices closed in the 12 months ending as_of */
  avg_days_late: number | null;
  /** how many invoices that mean is over */
  paid_invoices_12m: number;
  broken_promises_12m: number;
  open_disputes: number;
  bounced_contacts: number;
  risk: Risk;
  /** the assigned dunning campaign (null: R1's audience match decides) */
  campaign: string | null;
  /** the active set's dunning campaigns a collector may assign */
  campaigns: { key: string; name: string }[];
}

export async function customerSummary(
  db: Queryable,
  externalId: string,
  asOf: CalendarDate,
): Promise<CustomerSummary> {
  const [customer] = await db.query<{ id: number; campaign_key: string | null }>(
    'SELECT id, campaign_key FROM customers WHERE external_id = $1',
    [externalId],
  );
  if (!customer) throw new NotFoundError(`no customer with external_id "${externalId}"`);
  const yearAgo = addDays(asOf, -364);
  const [balances, closed, counts, contacts, active] = await Promise.all([
    db.query<{ currency: string; open: number; overdue: number }>(
      `SELECT currency, sum(open_balance)::bigint AS open,
              coalesce(sum(open_balance) FILTER (WHERE due_date < $2::date), 0)::bigint AS overdue
         FROM invoices WHERE customer_id = $1 AND status = 'open' AND open_balance > 0
        GROUP BY currency ORDER BY currency`,
      [customer.id, asOf],
    ),
    // settled_on (the last application of a settled invoice) is on or after its closing day,
    // so this reads every invoice that can have closed in the window
    db.query<{ amount: number; due_date: string; applications: { date: string; amount: number }[] }>(
      `SELECT i.amount, i.due_date,
              coalesce((SELECT json_agg(json_build_object('date', a.date, 'amount', a.amount))
                          FROM applications a WHERE a.invoice_id = i.id), '[]') AS applications
         FROM invoices i
        WHERE i.customer_id = $1 AND i.status <> 'void' AND i.amount > 0 AND i.settled_on >= $2::date`,
      [customer.id, yearAgo],
    ),
    db.query<{ broken: number; disputes: number }>(
      `SELECT (SELECT count(*) FROM promises WHERE customer_id = $1 AND status = 'broken'
                  AND settled_on BETWEEN $2::date AND $3::date)::int AS broken,
              (SELECT count(*) FROM disputes WHERE customer_id = $1 AND status = 'open')::int AS disputes`,
      [customer.id, yearAgo, asOf],
    ),
    db.query<{ receives_dunning: boolean; email_status: string; email: string | null }>(
      'SELECT receives_dunning, email_status, email FROM contacts WHERE customer_id = $1',
      [customer.id],
    ),
    loadActiveCampaigns(db),
  ]);
  const late = averageDaysLate(
    closed.map((r) => ({
      amount: r.amount,
      dueDate: r.due_date,
      applications: r.applications.map((a) => ({
        date: String(a.date).slice(0, 10),
        amount: Number(a.amount),
      })),
    })),
    asOf,
  );
  const dunningContacts = contacts.filter((c) => c.receives_dunning);
  const deliverable = dunningContacts.filter((c) => c.email_status === 'ok' && (c.email ?? '').trim() !== '');
  const bounced = contacts.filter((c) => c.email_status !== 'ok').length;
  const broken = counts[0]?.broken ?? 0;
  const disputes = counts[0]?.disputes ?? 0;
  return {
    customer_external_id: externalId,
    as_of: asOf,
    open_balance: Object.fromEntries(balances.map((b) => [b.currency, formatAmount(b.open, b.currency)])),
    overdue: Object.fromEntries(
      balances.filter((b) => b.overdue > 0).map((b) => [b.currency, formatAmount(b.overdue, b.currency)]),
    ),
    avg_days_late: late.days,
    paid_invoices_12m: late.invoices,
    broken_promises_12m: broken,
    open_disputes: disputes,
    bounced_contacts: bounced,
    risk: assessRisk({
      avgDaysLate: late.days,
      balances: balances.map((b) => ({ open: b.open, overdue: b.overdue })),
      brokenPromises12m: broken,
      openDisputes: disputes,
      dunningContacts: dunningContacts.length,
      deliverableDunningContacts: deliverable.length,
      bouncedContacts: bounced,
    }),
    campaign: customer.campaign_key,
    campaigns: (active?.campaigns ?? [])
      .filter((c) => c.trigger === undefined)
      .map((c) => ({ key: c.key, name: c.name ?? c.key })),
  };
}
