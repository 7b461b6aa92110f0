/**
 * A/B steps' results (docs/campaigns.md): per campaign step that ran as an A/B test, per arm,
 * how many customers and invoices its messages reached in the period, and how many of those
 * invoices were paid within 7 and within 30 days of the message — with the sample sizes, so a
 * difference can be judged against them.
 *
 * Reading:
 * - The unit is a fired slot of an A/B step carried by a message that was sent on a day in
 *   (D − P, D] (organisation time zone): one invoice reached by one message. The arm is the
 *   one recorded on the firing when it was planned, never recomputed.
 * - "Paid within N days": payments applied to the invoice dated from the sending day to N days
 *   after it cover the balance the message listed for it. Credit notes are not payments.
 * - Only invoices whose N-day window has ended by D count toward the N-day figures
 *   (matured_7d / matured_30d are the sample sizes of those percentages).
 */
import type { Queryable } from '../platform/db/index.ts';

export interface AbArmResult {
  arm: 'a' | 'b';
  /** Distinct customers messaged in the period. */
  customers: number;
  /** Invoices messaged (one per message and invoice). */
  invoices: number;
  matured_7d: number;
  paid_7d: number;
  /** percent of matured_7d, null when none matured */
  paid_7d_percent: number | null;
  matured_30d: number;
  paid_30d: number;
  paid_30d_percent: number | null;
}

export interface AbStepResult {
  campaign: string;
  step: string;
  arms: AbArmResult[];
}

interface ArmRow {
  [column: string]: unknown;
  campaign: string;
  step: string;
  arm: 'a' | 'b';
  customers: number;
  invoices: number;
  matured_7d: number;
  paid_7d: number;
  matured_30d: number;
  paid_30d: number;
}

const percent = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

/** Per A/B step and arm, for messages sent in the P days ending with D (already validated). */
export async function abResults(
  db: Queryable,
  { asOf, periodDays }: { asOf: string; periodDays: number },
): Promise<AbStepResult[]> {
  const rows = await db.query<ArmRow>(
    `WITH tz AS (SELECT time_zone FROM organisation WHERE id = 1),
     sent AS (
       SELECT m.id, (m.sent_at AT TIME ZONE (SELECT time_zone FROM tz))::date AS sent_on
         FROM outbox_messages m
        WHERE m.status = 'sent' AND m.sent_at IS NOT NULL AND m.dunning
          AND (m.sent_at AT TIME ZONE (SELECT time_zone FROM tz))::date
              BETWEEN $1::date - ($2::int - 1) AND $1::date
     ),
     reached AS (
       SELECT f.campaign_key AS campaign, f.step_key AS step, f.ab_arm AS arm, f.customer_id,
              s.sent_on, l.open_balance AS listed, coalesce(p.paid_7d, 0) AS paid_7d,
              coalesce(p.paid_30d, 0) AS paid_30d
         FROM sent s
         JOIN engine_firings f ON f.message_id = s.id AND f.ab_arm IS NOT NULL AND f.outcome = 'fired'
         JOIN outbox_message_invoices l ON l.message_id = s.id AND l.invoice_id = f.invoice_id
         LEFT JOIN LATERAL (
           SELECT sum(a.amount) FILTER (WHERE a.date <= s.sent_on + 7) AS paid_7d,
                  sum(a.amount) AS paid_30d
             FROM applications a
            WHERE a.invoice_id = f.invoice_id AND a.kind = 'payment'
              AND a.date BETWEEN s.sent_on AND s.sent_on + 30
         ) p ON true
     )
     SELECT campaign, step, arm,
            count(DISTINCT customer_id)::int AS customers,
            count(*)::int AS invoices,
            count(*) FILTER (WHERE sent_on + 7 <= $1::date)::int AS matured_7d,
            count(*) FILTER (WHERE sent_on + 7 <= $1::date AND paid_7d >= listed)::int AS paid_7d,
            count(*) FILTER (WHERE sent_on + 30 <= $1::date)::int AS matured_30d,
            count(*) FILTER (WHERE sent_on + 30 <= $1::date AND paid_30d >= listed)::int AS paid_30d
       FROM reached
      GROUP BY campaign, step, arm
      ORDER BY campaign, step, arm`,
    [asOf, periodDays],
  );
  const steps: AbStepResult[] = [];
  for (const r of rows) {
    let step = steps.find((s) => s.campaign === r.campaign && s.step === r.step);
    if (!step) {
      step = { campaign: r.campaign, step: r.step, arms: [] };
      steps.push(step);
    }
    step.arms.push({
      arm: r.arm,
      customers: r.customers,
      invoices: r.invoices,
      matured_7d: r.matured_7d,
      paid_7d: r.paid_7d,
      paid_7d_percent: percent(r.paid_7d, r.matured_7d),
      matured_30d: r.matured_30d,
      paid_30d: r.paid_30d,
      paid_30d_percent: percent(r.paid_30d, r.matured_30d),
    });
  }
  return steps;
}
