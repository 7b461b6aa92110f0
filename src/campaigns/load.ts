/**
 * Loads what the planner needs for day D with set-based SQL: one statement per table for a
 * batch of customers (customers, contacts, open invoices, prior firings, recent messages,
 * open and broken promises) — never a statement per invoice or per customer. Batches are
 * ranges of customer ids, so memory stays bounded however large the ledger is; the planner
 * decides per customer, so batching does not change a single decision.
 */
import { addDays, type CalendarDate, isValidTimeZone, localDate } from '../ledger/dates.ts';
import { loadBrokenPromises } from '../ledger/promises.ts';
import type { Clock } from '../platform/clock.ts';
import type { Queryable } from '../platform/db/index.ts';
import { holidayChecker } from './holidays.ts';
import type {
  BrokenPromise,
  CampaignDefinition,
  EngineSettings,
  PlannerContact,
  PlannerCustomer,
  PlannerInput,
  PlannerInvoice,
  PriorFiring,
  PriorMessage,
} from './planner/types.ts';
import { loadActiveCampaigns } from './store.ts';
import { BROKEN_PROMISE_HISTORY_DAYS, INVOICE_COLUMNS, type InvoiceRow } from './window.ts';

/**
 * Customers per planDay call and per write transaction in a full pass. A customer's invoices
 * are spread over the whole invoices table (they arrive over time), so every batch reads
 * pages from nearly all of it: fewer, larger batches read the table fewer times, but hold
 * more at once. The first day at 1,000,000 invoices (one catch-up row per old invoice) peaked
 * at 476 MB in-process with 5,000 (533–539 MB through the CLI) and at 388 MB with 2,500.
 */
export const DEFAULT_BATCH_SIZE = 2500;

/**
 * Customers per batch on a steady day (../window.ts): their invoices are read by customer id
 * (or were read with the due-date windows), never by scanning ranges of the table, and a
 * steady day decides far less per customer, so larger batches cost no memory worth noting.
 */
export const STEADY_BATCH_SIZE = 5000;

/**
 * R5 looks back at most 7 days; two weeks leaves room for min_days_between up to 14. Messages
 * already planned for D itself count too (an earlier run or scheduler pass of the same day).
 */
const MESSAGE_HISTORY_DAYS = 14;
/** Customer-level slots (welcome, statements, broken promises) older than this cannot fire again. */
const CUSTOMER_SLOT_HISTORY_DAYS = 400;

export interface Organisation {
  defaultCurrency: string;
  timeZone: string;
  language: string;
}

export async function loadOrganisation(q: Queryable): Promise<Organisation> {
  const [row] = await q.query<{ default_currency: string; time_zone: string; language: string }>(
    'SELECT default_currency, time_zone, language FROM organisation WHERE id = 1',
  );
  return {
    defaultCurrency: row?.default_currency ?? 'EUR',
    timeZone: row?.time_zone ?? 'UTC',
    language: row?.language ?? 'en',
  };
}

/** Today in the organisation's time zone (what `run` plans without --date). */
export async function organisationToday(q: Queryable, clock: Clock): Promise<CalendarDate> {
  const org = await loadOrganisation(q);
  return localDate(clock.now(), org.timeZone);
}

/**
 * Wall time per phase of a run, printed to stderr when DUNWELL_ENGINE_PROFILE=1 (operators
 * use it to see whether loading, planning or writing dominates on their data).
 */
export class PhaseTimer {
  private last = process.hrtime.bigint();
  readonly totals = new Map<string, number>();

  /** Charges the time since the previous lap to `phase` and returns it in seconds. */
  lap(phase: string): number {
    const now = process.hrtime.bigint();
    const seconds = Number(now - this.last) / 1e9;
    this.last = now;
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + seconds);
    return seconds;
  }

  /** 'load.invoices 1.23 s, plan 0.40 s, …' in the order the phases first appeared. */
  summary(): string {
    return [...this.totals]
      .filter(([phase]) => phase !== 'other')
      .map(([phase, s]) => `${phase} ${s.toFixed(2)} s`)
      .join(', ');
  }
}

/** What is the same for every batch of one run or forecast. */
export interface EngineContext {
  date: CalendarDate;
  campaigns: CampaignDefinition[];
  settings: EngineSettings;
  isHoliday: (calendar: string, date: CalendarDate) => boolean;
  /** Applications dated after D per invoice: added back to open_balance for the balance as of D. */
  laterApplications: Map<number, number>;
  /** Customers' time zones that Intl knows; others fall back to the organisation's. */
  validTimeZones: string[];
  /** False when no campaign file was ever applied. */
  hasCampaigns: boolean;
  /**
   * What a real run would have written before planning, held in memory by dry runs and
   * forecasts so that they plan exactly what the run would (R10): promises that break on D,
   * and planned messages that the paid check cancels.
   */
  overlay: { brokenPromises: BrokenPromise[]; cancelledMessageIds: ReadonlySet<number> };
}

export async function loadEngineContext(
  q: Queryable,
  date: CalendarDate,
  overlay: EngineContext['overlay'] = { brokenPromises: [], cancelledMessageIds: new Set() },
): Promise<EngineContext> {
  const zones = await q.query<{ time_zone: string }>(
    'SELECT DISTINCT time_zone FROM customers WHERE time_zone IS NOT NULL',
  );
  const [org, active, later] = [
    await loadOrganisation(q),
    await loadActiveCampaigns(q),
    await q.query<{ invoice_id: number; amount: number }>(
      'SELECT invoice_id, sum(amount)::int8 AS amount FROM applications WHERE date > $1 GROUP BY invoice_id',
      [date],
    ),
  ];
  return {
    date,
    campaigns: active?.campaigns ?? [],
    settings: {
      maxEmailsPerCustomerPerWeek: active?.settings.maxEmailsPerCustomerPerWeek ?? 2,
      defaultLanguage: org.language,
      defaultCurrency: org.defaultCurrency,
      defaultTimeZone: org.timeZone,
    },
    isHoliday: holidayChecker(),
    laterApplications: new Map(later.map((r) => [r.invoice_id, r.amount])),
    validTimeZones: zones.map((z) => z.time_zone).filter(isValidTimeZone),
    hasCampaigns: active !== null,
    overlay,
  };
}

/** A batch of customers: an id range, optionally narrowed to chosen ids (the scheduler). */
export interface CustomerBatch {
  from: number;
  to: number;
  ids: number[] | null;
}

/** Splits all customers (or the given ids) into id-range batches of at most `size`. */
export async function customerBatches(
  q: Queryable,
  size = DEFAULT_BATCH_SIZE,
  customerIds?: readonly number[],
): Promise<CustomerBatch[]> {
  const ids = customerIds
    ? [...new Set(customerIds)].sort((a, b) => a - b)
    : (await q.query<{ id: number }>('SELECT id FROM customers ORDER BY id')).map((r) => r.id);
  const batches: CustomerBatch[] = [];
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
    batches.push({ from: chunk[0]!, to: chunk[chunk.length - 1]!, ids: customerIds ? chunk : null });
  }
  return batches;
}

/** The batch's customer ids (a range batch lists none: then every id in the range). */
function batchIds(batch: CustomerBatch): number[] {
  if (batch.ids === null) throw new Error('a steady-day batch always lists its customers');
  return batch.ids;
}

const CUSTOMER_FILTER = (column: string) =>
  `${column} BETWEEN $1 AND $2 AND ($3::bigint[] IS NULL OR ${column} = ANY ($3::bigint[]))`;

/** The planner's input for one batch of customers on the context's day. */
export async function loadPlannerInput(
  q: Queryable,
  ctx: EngineContext,
  batch: CustomerBatch,
  profile?: PhaseTimer,
  windowOnly?: ReadonlyMap<number, readonly InvoiceRow[]>,
): Promise<PlannerInput> {
  const D = ctx.date;
  const lap = (phase: string) => profile?.lap(phase);
  lap('other');
  const p = [batch.from, batch.to, batch.ids];
  const customerRows = await q.query<{
    id: number;
    external_id: string;
    name: string;
    tags: string[];
    priority: PlannerCustomer['priority'];
    currency: string | null;
    language: string | null;
    time_zone: string | null;
    account_manager_email: string | null;
    campaign_key: string | null;
    created_on: string;
    dunning_paused: boolean;
    paused_until: string | null;
    reply_paused_until: string | null;
  }>(
    // created_on (the customer_created event): the earlier of the day the customer was created
    // in Dunwell and its first invoice's issue date. A customer who has bought on credit for
    // years is not new because its ledger was imported today, so a first import welcomes only
    // customers whose relationship really starts now. The invoice lookup runs only for
    // customers created in the last 400 days (any welcome window is shorter).
    `SELECT c.id, c.external_id, c.name, c.tags, c.priority, c.currency, c.language, c.time_zone,
            c.account_manager_email, c.campaign_key,
            least(l.created_on, coalesce(f.first_issue, l.created_on)) AS created_on,
            c.dunning_paused, c.paused_until, c.reply_paused_until
       FROM customers c
       CROSS JOIN LATERAL (
         SELECT (c.created_at AT TIME ZONE CASE WHEN c.time_zone = ANY ($5::text[]) THEN c.time_zone ELSE $4 END)::date
                  AS created_on) l
       LEFT JOIN LATERAL (
         SELECT min(i.issue_date) AS first_issue FROM invoices i
          WHERE i.customer_id = c.id AND l.created_on >= $6::date - 400) f ON true
      WHERE ${CUSTOMER_FILTER('c.id')} ORDER BY c.id`,
    [...p, ctx.settings.defaultTimeZone, ctx.validTimeZones, D],
  );
  lap('load.customers');
  const contactRows = await q.query<{
    id: number;
    customer_id: number;
    name: string;
    email: string | null;
    role: PlannerContact['role'];
    receives_dunning: boolean;
    email_status: PlannerContact['emailStatus'];
  }>(
    `SELECT id, customer_id, name, email, role, receives_dunning, email_status
       FROM contacts WHERE ${CUSTOMER_FILTER('customer_id')} ORDER BY customer_id, id`,
    p,
  );
  lap('load.contacts');
  // Open on D: status open, issued by D, and a balance as of D > 0 — either open today, or
  // settled by applications dated after D (settled_on > D). A steady day passes the window
  // invoices of customers planned with only those (`windowOnly`, read up front).
  const inWindow = windowOnly ? batchIds(batch).filter((id) => windowOnly.has(id)) : [];
  const whole = windowOnly ? batchIds(batch).filter((id) => !windowOnly.has(id)) : batch.ids;
  const invoiceRows: InvoiceRow[] =
    whole !== null && whole.length === 0
      ? []
      : await q.query<InvoiceRow>(
          `SELECT ${INVOICE_COLUMNS}
             FROM invoices
            WHERE ${CUSTOMER_FILTER('customer_id')} AND status = 'open' AND issue_date <= $4
              AND (open_balance > 0 OR settled_on > $4)`,
          [batch.from, batch.to, whole, D],
        );
  for (const id of inWindow) invoiceRows.push(...windowOnly!.get(id)!);
  lap('load.invoices');
  const promiseRows = await q.query<{ invoice_id: number; through: string }>(
    `SELECT invoice_id, max(promised_date + grace_days) AS through
       FROM promises WHERE ${CUSTOMER_FILTER('customer_id')} AND status = 'open'
      GROUP BY invoice_id`,
    p,
  );
  lap('load.promises');
  const promisedThrough = new Map(promiseRows.map((r) => [r.invoice_id, r.through]));

  const invoices: PlannerInvoice[] = [];
  for (const r of invoiceRows) {
    const openBalance = r.open_balance + (ctx.laterApplications.get(r.id) ?? 0);
    if (openBalance <= 0) continue;
    invoices.push({
      id: r.id,
      customerId: r.customer_id,
      number: r.number,
      currency: r.currency,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      amount: r.amount,
      openBalance,
      status: 'open',
      disputed: r.disputed,
      onHold: r.on_hold,
      promisedThrough: promisedThrough.get(r.id) ?? null,
    });
  }
  const openInvoiceIds = new Set(invoices.map((i) => i.id));
  lap('load.build');

  // Slots of invoices that are open on D (others cannot fire again): only the highest
  // recorded dunning slot per invoice and campaign (slot_offset is set on those and only
  // those), because the planner never looks below it. Customer-level slots (welcome,
  // statements) and broken-promise slots (which name an invoice but have no offset: several
  // promises of one invoice each have their own) recent enough to matter, all of them.
  type FiringRow = {
    slot_key: string;
    customer_id: number;
    invoice_id: number | null;
    campaign_key: string;
    step_key: string;
    occurrence: number;
    fired_on: string;
    outcome: 'fired' | 'skipped';
  };
  const highest = (where: string, params: unknown[]) =>
    q.query<FiringRow>(
      `SELECT DISTINCT ON (invoice_id, campaign_key)
              slot_key, customer_id, invoice_id, campaign_key, step_key, occurrence, fired_on, outcome
         FROM engine_firings
        WHERE ${where} AND slot_offset IS NOT NULL
        ORDER BY invoice_id, campaign_key, slot_offset DESC, id DESC`,
      params,
    );
  const firingRows: FiringRow[] =
    whole !== null && whole.length === 0
      ? []
      : await highest(CUSTOMER_FILTER('customer_id'), [batch.from, batch.to, whole]);
  if (inWindow.length > 0) {
    const ids = inWindow.flatMap((c) => windowOnly!.get(c)!.map((i) => i.id));
    firingRows.push(...(await highest('invoice_id = ANY ($1::bigint[])', [ids])));
  }
  lap('load.firings');
  firingRows.push(
    ...(await q.query<FiringRow>(
      `SELECT slot_key, customer_id, invoice_id, campaign_key, step_key, occurrence, fired_on, outcome
         FROM engine_firings
        WHERE ${CUSTOMER_FILTER('customer_id')} AND slot_offset IS NULL AND fired_on >= $4`,
      [...p, addDays(D, -CUSTOMER_SLOT_HISTORY_DAYS)],
    )),
  );
  const priorFirings: PriorFiring[] = [];
  for (const r of firingRows) {
    if (r.invoice_id !== null && !openInvoiceIds.has(r.invoice_id)) continue;
    priorFirings.push({
      key: r.slot_key,
      customerId: r.customer_id,
      invoiceId: r.invoice_id,
      campaignKey: r.campaign_key,
      stepKey: r.step_key,
      occurrence: r.occurrence,
      date: r.fired_on,
      outcome: r.outcome,
    });
  }
  lap('load.firings');
  const messageRows = await q.query<{
    id: number;
    customer_id: number;
    planned_for: string;
    dunning: boolean;
    cancelled: boolean;
  }>(
    `SELECT id, customer_id, planned_for, dunning, status = 'cancelled' AS cancelled
       FROM outbox_messages
      WHERE ${CUSTOMER_FILTER('customer_id')} AND planned_for >= $4 AND planned_for <= $5`,
    [...p, addDays(D, -MESSAGE_HISTORY_DAYS), D],
  );
  lap('load.messages');
  const priorMessages: PriorMessage[] = messageRows.map((r) => ({
    customerId: r.customer_id,
    plannedFor: r.planned_for,
    dunning: r.dunning,
    cancelled: r.cancelled || ctx.overlay.cancelledMessageIds.has(r.id),
  }));

  const broken = await loadBrokenPromises(q, addDays(D, -BROKEN_PROMISE_HISTORY_DAYS), D, batch);
  const inBatch = (customerId: number) =>
    customerId >= batch.from &&
    customerId <= batch.to &&
    (batch.ids === null || batch.ids.includes(customerId));
  const seen = new Set(broken.map((b) => b.promiseId));
  for (const b of ctx.overlay.brokenPromises)
    if (inBatch(b.customerId) && !seen.has(b.promiseId)) broken.push(b);
  lap('load.promises');

  const contactsByCustomer = new Map<number, PlannerContact[]>();
  for (const r of contactRows) {
    let list = contactsByCustomer.get(r.customer_id);
    if (!list) {
      list = [];
      contactsByCustomer.set(r.customer_id, list);
    }
    list.push({
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      receivesDunning: r.receives_dunning,
      emailStatus: r.email_status,
    });
  }
  const customers: PlannerCustomer[] = customerRows.map((r) => ({
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    tags: r.tags,
    priority: r.priority,
    currency: r.currency,
    language: r.language,
    timeZone: r.time_zone,
    accountManagerEmail: r.account_manager_email,
    assignedCampaign: r.campaign_key,
    createdOn: r.created_on,
    paused: r.dunning_paused,
    pausedUntil: r.paused_until,
    replyPausedUntil: r.reply_paused_until,
    contacts: contactsByCustomer.get(r.id) ?? [],
  }));

  lap('load.build');
  return {
    date: D,
    campaigns: ctx.campaigns,
    settings: ctx.settings,
    customers,
    invoices,
    priorFirings,
    priorMessages,
    brokenPromises: broken,
    isHoliday: ctx.isHoliday,
  };
}
