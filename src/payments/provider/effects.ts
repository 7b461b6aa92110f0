/**
 * What a verified provider event does to the ledger, in one transaction with the event's
 * row in payment_provider_events (keyed by provider and event id, so a redelivered event
 * changes nothing):
 *
 * - payment succeeded → the payment is recorded (source 'provider', external id
 *   '<provider>:<payment ref>') and applied to exactly the invoices and amounts the checkout
 *   named, through src/payments/record.ts (balances, kept promises, R6 cancellations, timeline);
 * - payment failed / refunded → an event on the customer's timeline (a refund is not taken
 *   off the ledger here: the collector decides, the ERP's next import carries it);
 * - anything else → stored as 'ignored'.
 */
import { localDate } from '../../ledger/dates.ts';
import { formatAmount, isCurrencyCode } from '../../ledger/money.ts';
import { recordEvent } from '../../platform/audit.ts';
import type { Db, Queryable } from '../../platform/db/index.ts';
import { recordPayment } from '../record.ts';
import type { ProviderEvent } from './port.ts';

export type EventOutcome =
  | 'recorded'
  | 'already_recorded'
  | 'duplicate'
  | 'timeline'
  | 'ignored'
  | 'rejected';

export interface AppliedEvent {
  outcome: EventOutcome;
  /** why an event was rejected (its invoices are not the customer's, …) */
  detail?: string;
  paymentId?: number;
}

async function customerExists(q: Queryable, id: number | null): Promise<number | null> {
  if (id === null) return null;
  const [row] = await q.query<{ id: number }>('SELECT id FROM customers WHERE id = $1', [id]);
  return row ? row.id : null;
}

export async function applyProviderEvent(
  db: Db,
  provider: string,
  event: ProviderEvent,
  payload: unknown,
  options: { timeZone: string; now: Date },
): Promise<AppliedEvent> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query<{ event_id: string }>(
      `INSERT INTO payment_provider_events (provider, event_id, type, outcome, payload)
       VALUES ($1, $2, $3, 'processing', $4) ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id`,
      [provider, event.eventId, event.eventType, JSON.stringify(payload ?? {})],
    );
    if (claimed.length === 0) return { outcome: 'duplicate' };
    const finish = async (result: AppliedEvent, customerId: number | null): Promise<AppliedEvent> => {
      await tx.execute(
        `UPDATE payment_provider_events SET outcome = $3, customer_id = $4, payment_id = $5
          WHERE provider = $1 AND event_id = $2`,
        [
          provider,
          event.eventId,
          result.detail ? `${result.outcome}: ${result.detail}` : result.outcome,
          customerId,
          result.paymentId ?? null,
        ],
      );
      return result;
    };
    const actor = `provider:${provider}`;

    if (event.kind === 'ignored') return finish({ outcome: 'ignored' }, null);

    if (event.kind === 'payment_succeeded') {
      const customerId = await customerExists(tx, event.customerId);
      if (customerId === null) return finish({ outcome: 'rejected', detail: 'unknown customer' }, null);
      if (!isCurrencyCode(event.currency)) {
        return finish({ outcome: 'rejected', detail: `unknown currency ${event.currency}` }, customerId);
      }
      // Exactly the checkout's invoices: each must be this customer's and in this currency.
      const ids = event.invoices.map((i) => i.invoiceId);
      const own = await tx.query<{ id: number; number: string; currency: string }>(
        'SELECT id, number, currency FROM invoices WHERE id = ANY($1::bigint[]) AND customer_id = $2',
        [ids, customerId],
      );
      const byId = new Map(own.map((r) => [r.id, r]));
      const foreign = ids.filter((id) => byId.get(id)?.currency.trim() !== event.currency);
      if (foreign.length > 0) {
        await recordEvent(tx, {
          actor,
          customerId,
          action: 'payment.provider_rejected',
          entity: 'payment',
          entityId: `${provider}:${event.paymentRef}`,
          data: { reason: 'invoices not on this account or in another currency', invoice_ids: foreign },
        });
        return finish({ outcome: 'rejected', detail: 'invoices not on this account' }, customerId);
      }
      const numbers = event.invoices.map((i) => byId.get(i.invoiceId)!.number);
      const result = await recordPayment(
        tx,
        {
          customerId,
          externalId: `${provider}:${event.paymentRef}`,
          date: localDate(event.at, options.timeZone),
          amount: event.amount,
          currency: event.currency,
          reference: `${provider} ${event.paymentRef} ${numbers.join(' ')}`,
          source: 'provider',
          appliedTo: event.invoices,
        },
        actor,
        { today: localDate(options.now, options.timeZone) },
      );
      return finish(
        { outcome: result.duplicate ? 'already_recorded' : 'recorded', paymentId: result.paymentId },
        customerId,
      );
    }

    // failures and refunds: the timeline (refunds find their customer through the payment)
    let customerId = await customerExists(tx, event.customerId);
    let paymentId: number | undefined;
    const [payment] = await tx.query<{ id: number; customer_id: number }>(
      'SELECT id, customer_id FROM payments WHERE external_id = $1',
      [`${provider}:${event.paymentRef}`],
    );
    if (payment) {
      paymentId = payment.id;
      customerId ??= payment.customer_id;
    }
    if (customerId === null) return finish({ outcome: 'ignored', detail: 'no Dunwell customer' }, null);
    await recordEvent(tx, {
      actor,
      customerId,
      action: event.kind === 'payment_failed' ? 'payment.failed' : 'payment.refunded',
      entity: 'payment',
      entityId: `${provider}:${event.paymentRef}`,
      data:
        event.kind === 'payment_failed'
          ? { reason: event.reason.slice(0, 500) }
          : {
              amount: isCurrencyCode(event.currency)
                ? formatAmount(event.amount, event.currency)
                : String(event.amount),
              currency: event.currency,
            },
    });
    return finish({ outcome: 'timeline', ...(paymentId ? { paymentId } : {}) }, customerId);
  });
}
