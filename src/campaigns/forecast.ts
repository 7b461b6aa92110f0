/**
 * `dunwell forecast`: what the engine would send on each of the next N days if nothing were
 * paid and nothing else changed. The shell loads the ledger as of the first day exactly as a
 * dry run does (same overlay of promises breaking and messages cancelled that day), and the
 * planner's own `forecast` plans day after day feeding its decisions back as history — so
 * day one equals `run --dry-run` (R10).
 */
import { addDays, type CalendarDate } from '../ledger/dates.ts';
import { promiseTransitions } from '../ledger/promises.ts';
import { findObsoleteMessages, type OutboxView } from '../messages/outbox.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import type { CampaignFileSettings } from './definition.ts';
import {
  customerBatches,
  DEFAULT_BATCH_SIZE,
  loadEngineContext,
  loadPlannerInput,
  organisationToday,
} from './load.ts';
import { forecast as planForecast } from './planner/index.ts';
import type { CampaignDefinition, DayPlan, PlannerInput } from './planner/types.ts';
import { type PlannedTaskView, plannedMessageView, plannedTaskView } from './run.ts';

export const MAX_FORECAST_DAYS = 366;

/** PRODUCT §2.2: `dunwell forecast --json` items. */
export interface ForecastDay {
  date: CalendarDate;
  messages: OutboxView[];
  tasks: PlannedTaskView[];
}

export interface ForecastOptions {
  from?: CalendarDate | undefined;
  days: number;
  clock: Clock;
  batchSize?: number;
  customerIds?: readonly number[];
  /**
   * Forecast under these definitions instead of the active ones (a draft being previewed;
   * nothing is written). Everything else — ledger, history, overlay — is what the run would see.
   */
  campaigns?: { campaigns: CampaignDefinition[]; settings: CampaignFileSettings };
}

/**
 * Plans the days batch by batch, handing each batch's input and day plans to `visit`;
 * returns the first day. The planner decides per customer, so forecasting batch by batch and
 * concatenating each day's decisions gives the same days as one forecast over everybody, in
 * bounded memory.
 */
export async function forecastPlans(
  db: Db,
  options: ForecastOptions,
  visit: (input: PlannerInput, plans: DayPlan[]) => void,
): Promise<CalendarDate> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_FORECAST_DAYS) {
    throw new UserError(`--days ${options.days} must be a whole number from 1 to ${MAX_FORECAST_DAYS}`);
  }
  const from = options.from ?? (await organisationToday(db, options.clock));
  const transitions = await promiseTransitions(db, from);
  const cancelled = await findObsoleteMessages(db, from, null);
  const ctx = await loadEngineContext(db, from, {
    brokenPromises: transitions
      .filter((t) => t.status === 'broken')
      .map((t) => ({
        promiseId: t.promiseId,
        customerId: t.customerId,
        invoiceId: t.invoiceId,
        brokenOn: t.settledOn,
      })),
    cancelledMessageIds: new Set(cancelled),
  });
  if (options.campaigns) {
    ctx.campaigns = options.campaigns.campaigns;
    ctx.settings = {
      ...ctx.settings,
      maxEmailsPerCustomerPerWeek: options.campaigns.settings.maxEmailsPerCustomerPerWeek,
    };
  }
  for (const batch of await customerBatches(
    db,
    options.batchSize ?? DEFAULT_BATCH_SIZE,
    options.customerIds,
  )) {
    const input = await loadPlannerInput(db, ctx, batch);
    visit(input, planForecast(input, options.days));
  }
  return from;
}

export async function forecastEngine(db: Db, options: ForecastOptions): Promise<ForecastDay[]> {
  const out: ForecastDay[] = [];
  const days = (from: CalendarDate) => {
    if (out.length === 0) {
      for (let i = 0; i < options.days; i++) out.push({ date: addDays(from, i), messages: [], tasks: [] });
    }
    return out;
  };
  const from = await forecastPlans(db, options, (input, plans) => {
    const numbers = new Map(input.invoices.map((i) => [i.id, i.number]));
    plans.forEach((plan, i) => {
      const day = days(input.date)[i]!;
      for (const m of plan.messages) day.messages.push(plannedMessageView(m));
      for (const t of plan.tasks) day.tasks.push(plannedTaskView(t, numbers));
    });
  });
  return days(from);
}
