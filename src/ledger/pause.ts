/**
 * Pausing a customer's dunning: indefinitely (until resumed) or until a date. While paused,
 * the engine sends nothing to the customer (R6). Every change lands on its timeline.
 */
import { recordEvent } from '../platform/audit.ts';
import type { Db, Tx } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { type CalendarDate, isCalendarDate } from './dates.ts';

export interface PauseView {
  customer_external_id: string;
  paused: boolean;
  /** null = paused until resumed (when paused) or not paused. */
  paused_until: CalendarDate | null;
}

async function lockCustomer(
  tx: Tx,
  externalId: string,
): Promise<{ id: number; dunning_paused: boolean; paused_until: string | null }> {
  const [row] = await tx.query<{ id: number; dunning_paused: boolean; paused_until: string | null }>(
    'SELECT id, dunning_paused, paused_until FROM customers WHERE external_id = $1 FOR UPDATE',
    [externalId],
  );
  if (!row) throw new NotFoundError(`no customer with external id ${externalId}`);
  return row;
}

/** Pauses dunning; with `until`, the engine resumes by itself on that date. */
export async function pauseCustomer(
  db: Db,
  input: { externalId: string; until?: CalendarDate | null; actor: string; today: CalendarDate },
): Promise<PauseView> {
  const until = input.until ?? null;
  if (until !== null) {
    if (!isCalendarDate(until))
      throw new UserError(`--until "${until}" is not a date; write it as YYYY-MM-DD`);
    if (until <= input.today) {
      throw new UserError(`--until ${until} is not after today (${input.today}); give a later date`);
    }
  }
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, input.externalId);
    await tx.execute(
      'UPDATE customers SET dunning_paused = $2, paused_until = $3, updated_at = now() WHERE id = $1',
      [customer.id, until === null, until],
    );
    await recordEvent(tx, {
      actor: input.actor,
      customerId: customer.id,
      action: 'customer.paused',
      entity: 'customer',
      entityId: input.externalId,
      data: {
        until,
        before: { paused: customer.dunning_paused, paused_until: customer.paused_until },
      },
    });
    return { customer_external_id: input.externalId, paused: true, paused_until: until };
  });
}

/** Resumes dunning (clears both the indefinite pause and a pause-until date). */
export async function resumeCustomer(
  db: Db,
  input: { externalId: string; actor: string },
): Promise<PauseView> {
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, input.externalId);
    await tx.execute(
      'UPDATE customers SET dunning_paused = false, paused_until = NULL, updated_at = now() WHERE id = $1',
      [customer.id],
    );
    await recordEvent(tx, {
      actor: input.actor,
      customerId: customer.id,
      action: 'customer.resumed',
      entity: 'customer',
      entityId: input.externalId,
      data: { before: { paused: customer.dunning_paused, paused_until: customer.paused_until } },
    });
    return { customer_external_id: input.externalId, paused: false, paused_until: null };
  });
}
