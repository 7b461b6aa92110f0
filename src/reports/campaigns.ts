/**
 * Campaign effectiveness (PRODUCT §7): per campaign step, the messages sent in the period,
 * the share that bounced and that got a reply, and the share of the balance listed in them
 * that was paid within 7 and within 30 days of sending.
 *
 * Reading of the definition (docs/domain-guide.md, "Campaign effectiveness"):
 * - "sent in the period": sent (not merely planned) on a day in (D − P, D], days in the
 *   organisation's time zone.
 * - bounced / replied: at least one inbound message of that kind threaded to the message and
 *   not undone.
 * - "the balance listed": each listed invoice's open balance on the planned day (what the
 *   message asked for), per currency — never converted.
 * - "paid within N days": payments applied to those invoices dated from the sending day to N
 *   days after it, capped at the listed balance (a later, larger payment of other invoices
 *   does not count twice). Credit notes and adjustments are not payments.
 * - Only messages whose N-day window has ended by D count toward the N-day share (a message
 *   sent yesterday has not had 7 days yet); the sample sizes say how many did.
 */
import { formatAmount } from '../ledger/money.ts';
import type { Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import { type AbStepResult, abResults } from './ab.ts';
import { periodDaysProblem } from './index.ts';

export interface StepEffectiveness {
  campaign: string;
  step: string;
  sent: number;
  bounced: number;
  replied: number;
  /** percent of sent, null when nothing was sent */
  bounce_rate: number | null;
  reply_rate: number | null;
  /** messages whose 7-day / 30-day window has ended by as_of */
  matured_7d: number;
  matured_30d: number;
  currencies: Record<
    string,
    {
      listed_7d: string;
      paid_7d: string;
      paid_7d_share: number | null;
      listed_30d: string;
      paid_30d: string;
      paid_30d_share: number | null;
    }
  >;
}

export interface CampaignReport {
  as_of: string;
  period_days: number;
  steps: StepEffectiveness[];
  /** A/B steps: per arm, invoices messaged and paid within 7/30 days (./ab.ts). */
  ab_tests: AbStepResult[];
}

interface MessageRow {
  [column: string]: unknown;
  campaign: string;
  step: string;
  sent: number;
  bounced: number;
  replied: number;
  matured_7d: number;
  matured_30d: number;
}

interface MoneyRow {
  [column: string]: unknown;
  campaign: string;
  step: string;
  currency: string;
  listed_7d: number;
  paid_7d: number;
  listed_30d: number;
  paid_30d: number;
}

const percent = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

export async function campaignReport(
  db: Queryable,
  { asOf, periodDays }: { asOf: string; periodDays: number },
): Promise<CampaignReport> {
  const problem = periodDaysProblem(asOf, periodDays);
  if (problem) throw new UserError(`period of ${periodDays} days ${problem}`);
  const [inbound] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('inbound_messages') IS NOT NULL AS present",
  );
  const sentCte = `
    sent AS (
      SELECT m.id, m.campaign_key AS campaign, m.step_key AS step,
             (m.sent_at AT TIME ZONE (SELECT time_zone FROM organisation WHERE id = 1))::date AS sent_on
        FROM outbox_messages m
       WHERE m.status = 'sent' AND m.sent_at IS NOT NULL
         AND (m.sent_at AT TIME ZONE (SELECT time_zone FROM organisation WHERE id = 1))::date
             BETWEEN $1::date - ($2::int - 1) AND $1::date
    )`;
  const inboundJoin = inbound?.present
    ? `LEFT JOIN (SELECT outbox_message_id,
                         bool_or(kind = 'bounce') AS bounced, bool_or(kind = 'reply') AS replied
                    FROM inbound_messages
                   WHERE outbox_message_id IS NOT NULL AND undone_at IS NULL
                   GROUP BY outbox_message_id) r ON r.outbox_message_id = s.id`
    : 'LEFT JOIN (SELECT NULL::bigint AS outbox_message_id, false AS bounced, false AS replied) r ON false';
  const messages = await db.query<MessageRow>(
    `WITH ${sentCte}
     SELECT s.campaign, s.step, count(*)::int AS sent,
            count(*) FILTER (WHERE r.bounced)::int AS bounced,
            count(*) FILTER (WHERE r.replied)::int AS replied,
            count(*) FILTER (WHERE s.sent_on + 7 <= $1::date)::int AS matured_7d,
            count(*) FILTER (WHERE s.sent_on + 30 <= $1::date)::int AS matured_30d
       FROM sent s ${inboundJoin}
      GROUP BY s.campaign, s.step
      ORDER BY s.campaign, s.step`,
    [asOf, periodDays],
  );
  const money = await db.query<MoneyRow>(
    `WITH ${sentCte},
     lines AS (
       SELECT s.campaign, s.step, s.sent_on, i.currency, l.open_balance AS listed,
              least(l.open_balance, coalesce(p.paid_7d, 0)) AS paid_7d,
              least(l.open_balance, coalesce(p.paid_30d, 0)) AS paid_30d
         FROM sent s
         JOIN outbox_message_invoices l ON l.message_id = s.id
         JOIN invoices i ON i.id = l.invoice_id
         LEFT JOIN LATERAL (
           SELECT sum(a.amount) FILTER (WHERE a.date <= s.sent_on + 7) AS paid_7d,
                  sum(a.amount) AS paid_30d
             FROM applications a
            WHERE a.invoice_id = l.invoice_id AND a.kind = 'payment'
              AND a.date BETWEEN s.sent_on AND s.sent_on + 30
         ) p ON true
     )
     SELECT campaign, step, currency,
            coalesce(sum(listed) FILTER (WHERE sent_on + 7 <= $1::date), 0)::bigint AS listed_7d,
            coalesce(sum(paid_7d) FILTER (WHERE sent_on + 7 <= $1::date), 0)::bigint AS paid_7d,
            coalesce(sum(listed) FILTER (WHERE sent_on + 30 <= $1::date), 0)::bigint AS listed_30d,
            coalesce(sum(paid_30d) FILTER (WHERE sent_on + 30 <= $1::date), 0)::bigint AS paid_30d
       FROM lines
      GROUP BY campaign, step, currency
      ORDER BY campaign, step, currency`,
    [asOf, periodDays],
  );
  const steps = messages.map(
    (m): StepEffectiveness => ({
      campaign: m.campaign,
      step: m.step,
      sent: m.sent,
      bounced: m.bounced,
      replied: m.replied,
      bounce_rate: percent(m.bounced, m.sent),
      reply_rate: percent(m.replied, m.sent),
      matured_7d: m.matured_7d,
      matured_30d: m.matured_30d,
      currencies: Object.fromEntries(
        money
          .filter((r) => r.campaign === m.campaign && r.step === m.step)
          .map((r) => [
            r.currency,
            {
              listed_7d: formatAmount(r.listed_7d, r.currency),
              paid_7d: formatAmount(r.paid_7d, r.currency),
              paid_7d_share: percent(r.paid_7d, r.listed_7d),
              listed_30d: formatAmount(r.listed_30d, r.currency),
              paid_30d: formatAmount(r.paid_30d, r.currency),
              paid_30d_share: percent(r.paid_30d, r.listed_30d),
            },
          ]),
      ),
    }),
  );
  return { as_of: asOf, period_days: periodDays, steps, ab_tests: await abResults(db, { asOf, periodDays }) };
}
