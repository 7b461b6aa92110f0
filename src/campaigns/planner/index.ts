/**
 * The planner: which messages and tasks day D brings, as a pure function of the data and D
 * (R10). No clock, no database, no environment, no randomness; the engine shell loads the
 * input, calls planDay, and writes the DayPlan in one transaction. `forecast` calls the same
 * planDay day after day, feeding each day's decisions back as history.
 *
 * Decision: D is the customer's local calendar date. Every customer in one PlannerInput is
 * planned for the same D; the scheduler (../schedule.ts) groups customers by their local
 * date and decides when a customer's local time has passed send_at. `run --date D` plans
 * every given customer for D and does not wait for send_at.
 */
import { addDays, type CalendarDate, daysBetween, daysInMonth, weekdayKey } from '../../ledger/dates.ts';
import { campaignForCustomer, variantOffsets } from './ab.ts';
import {
  customerCurrency,
  customerLanguage,
  dunningCampaignFor,
  matchesAudience,
  recipientsFor,
} from './audience.ts';
import { campaignSlotTable, firingKey, invoiceSlotKey, latestDueSlot, type Slot } from './slots.ts';
import { renderTaskTitle, type TaskTitleContext } from './task-title.ts';
import type {
  BrokenPromise,
  CampaignDefinition,
  DayPlan,
  FiringDecision,
  PlannedMessage,
  PlannedTask,
  PlannerCustomer,
  PlannerInput,
  PlannerInvoice,
  PriorFiring,
  PriorMessage,
  StepDefinition,
  Wait,
} from './types.ts';

export { abArm, campaignForCustomer, resolveArms, stepForArm } from './ab.ts';
export { type FiringSubject, firingKey } from './slots.ts';
export type * from './types.ts';

// ---------------------------------------------------------------------------------------
// Small rules

/**
 * R6: can anything fire for this invoice on D? Not when its open balance on D is ≤ 0, it is
 * paid or void, disputed, on hold, or covered by an open promise (promisedThrough already
 * includes promise_grace_days). Such an invoice gets no decision at all — no skip is
 * recorded — so if it is reopened later, R3 decides afresh. The shell re-checks payment just
 * before sending (a payment landing between planning and sending cancels the message).
 */
export function mayFire(invoice: PlannerInvoice, date: CalendarDate): boolean {
  return (
    invoice.openBalance > 0 &&
    invoice.status === 'open' &&
    !invoice.disputed &&
    !invoice.onHold &&
    !(invoice.promisedThrough !== null && date <= invoice.promisedThrough)
  );
}

/**
 * R6 (paused customer) and R9 (reply pause, set by the shell as replyPausedUntil): nothing
 * of the customer's dunning campaign fires and nothing is recorded while paused.
 * Decision: a pause holds dunning (email and task steps) and promise_broken follow-ups;
 * the welcome letter and the monthly statement are not dunning and still go out.
 */
export function isPaused(customer: PlannerCustomer, date: CalendarDate): boolean {
  return (
    customer.paused ||
    (customer.pausedUntil !== null && date < customer.pausedUntil) ||
    (customer.replyPausedUntil !== null && date < customer.replyPausedUntil)
  );
}

/**
 * R8 / R8b: a campaign sends only on its send_on weekdays that are not public holidays of
 * any of its holiday calendars. Otherwise firings wait (they are not recorded) and R3
 * applies on the next allowed day. This holds for task steps and event campaigns too.
 */
function calendarBlock(
  campaign: CampaignDefinition,
  date: CalendarDate,
  isHoliday: PlannerInput['isHoliday'],
): 'calendar' | 'holiday' | null {
  if (!campaign.sendOn.includes(weekdayKey(date))) return 'calendar';
  if (campaign.holidays.some((code) => isHoliday(code, date))) return 'holiday';
  return null;
}

/**
 * R5 throttle (dunning emails only; event messages are never throttled). A customer's
 * dunning email steps wait on D if a dunning email (non-cancelled, counted on the day it was
 * planned for) was planned on any of the min_days_between − 1 days before D, or if
 * max_emails_per_customer_per_week were planned on the 6 days before D.
 * Decision: a dunning email already planned for D itself (an earlier run of the same day)
 * counts in both windows, so a second run on D never sends a second dunning email that day.
 */
function throttleBlock(
  messages: PriorMessage[],
  campaign: CampaignDefinition,
  maxPerWeek: number,
  date: CalendarDate,
): Wait['reason'] | null {
  let inMinWindow = false;
  let inWeek = 0;
  for (const m of messages) {
    if (!m.dunning || m.cancelled || m.plannedFor > date) continue;
    const ago = daysBetween(m.plannedFor, date);
    if (ago < campaign.minDaysBetween) inMinWindow = true;
    if (ago <= 6) inWeek++;
  }
  if (inMinWindow) return 'throttle_min_days';
  if (inWeek >= maxPerWeek) return 'throttle_weekly_cap';
  return null;
}

/** statement_monthly: day_of_month in D's month; 29–31 in a shorter month → its last day. */
function statementDay(month: string, dayOfMonth: number): CalendarDate {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const day = Math.min(dayOfMonth, daysInMonth(year, m));
  return `${month}-${String(day).padStart(2, '0')}`;
}

function byDueDate(a: PlannerInvoice, b: PlannerInvoice): number {
  return a.dueDate < b.dueDate
    ? -1
    : a.dueDate > b.dueDate
      ? 1
      : a.number < b.number
        ? -1
        : a.number > b.number
          ? 1
          : a.id - b.id;
}

/** R4: the most advanced step among those firing (the largest offset_days). */
function mostAdvanced(steps: StepDefinition[]): StepDefinition {
  return steps.reduce((best, s) => (s.offsetDays > best.offsetDays ? s : best));
}

function unionInOrder<T extends string>(lists: T[][], order: readonly T[] | null = null): T[] {
  const all = new Set(lists.flat());
  return order ? order.filter((x) => all.has(x)) : [...all];
}

// ---------------------------------------------------------------------------------------
// The day's plan

interface Firing {
  key: string;
  campaign: CampaignDefinition;
  step: StepDefinition;
  occurrence: number;
  invoice: PlannerInvoice | null;
  /** Invoice dunning slots: the slot's offset (days after the due date). */
  slotOffset?: number;
}

/** Per-customer builder: collects firings and turns them into messages, tasks and decisions. */
class CustomerDay {
  private noEmailInvoices: PlannerInvoice[] = [];
  private noEmailFirings: Firing[] = [];
  private noEmailCarrier: { campaign: CampaignDefinition; step: StepDefinition } | null = null;
  private waits = new Map<string, Wait>();

  constructor(
    private readonly plan: DayPlan,
    private readonly input: PlannerInput,
    readonly customer: PlannerCustomer,
    readonly invoices: PlannerInvoice[],
  ) {}

  /** R3: one decision for the highest skipped slot, listing the lower ones it skips too. */
  skip(firing: Firing, reason: 'superseded' | 'too_late', alsoSkipped: string[]): void {
    this.plan.firings.push(this.decision(firing, 'skipped', { reason, alsoSkipped }));
  }

  wait(campaign: CampaignDefinition, reason: Wait['reason'], invoiceId: number | null): void {
    const id = `${campaign.key}\u0000${reason}`;
    let w = this.waits.get(id);
    if (!w) {
      w = { customerId: this.customer.id, campaignKey: campaign.key, reason, invoiceIds: [] };
      this.waits.set(id, w);
    }
    if (invoiceId !== null && !w.invoiceIds.includes(invoiceId)) w.invoiceIds.push(invoiceId);
  }

  private decision(
    f: Firing,
    outcome: FiringDecision['outcome'],
    extra: Partial<FiringDecision> = {},
  ): FiringDecision {
    const d: FiringDecision = {
      key: f.key,
      customerId: this.customer.id,
      invoiceId: f.invoice?.id ?? null,
      campaignKey: f.campaign.key,
      stepKey: f.step.key,
      occurrence: f.occurrence,
      outcome,
    };
    if (extra.reason !== undefined) d.reason = extra.reason;
    if (f.slotOffset !== undefined) d.slotOffset = f.slotOffset;
    if (extra.alsoSkipped !== undefined) d.alsoSkipped = extra.alsoSkipped;
    if (extra.messageIndex !== undefined) d.messageIndex = extra.messageIndex;
    if (extra.taskIndex !== undefined) d.taskIndex = extra.taskIndex;
    if (f.campaign.versionId !== undefined) d.campaignVersionId = f.campaign.versionId;
    if (f.step.arm !== undefined) d.arm = f.step.arm;
    return d;
  }

  /**
   * R4 grouping: one message per customer, campaign and day listing every invoice whose
   * email step fires, oldest due first; template = the most advanced firing step; attachments
   * and cc = the union over the firing steps. Invoices in several currencies are listed with
   * their currency; the template groups them per currency. R7: no deliverable To address →
   * no message; the slots go to the customer's one 'no_email' task and count as fired, so
   * they are not retried every day.
   */
  emailMessage(firings: Firing[], dunning: boolean, listed: PlannerInvoice[]): void {
    if (firings.length === 0) return;
    const campaign = firings[0]!.campaign;
    const step = mostAdvanced(firings.map((f) => f.step));
    const { to, cc } = recipientsFor(this.customer, unionInOrder(firings.map((f) => f.step.cc)));
    const stepOf = new Map<number, string>();
    for (const f of firings) if (f.invoice) stepOf.set(f.invoice.id, f.step.key);
    const invoices = [...listed].sort(byDueDate);
    if (to.length === 0) {
      this.noEmailFirings.push(...firings);
      this.noEmailInvoices.push(...invoices);
      this.noEmailCarrier ??= { campaign, step };
      return;
    }
    const message: PlannedMessage = {
      customerId: this.customer.id,
      customerExternalId: this.customer.externalId,
      campaignKey: campaign.key,
      stepKey: step.key,
      template: step.template ?? step.key,
      language: customerLanguage(this.customer, this.input.settings),
      dunning,
      plannedFor: this.input.date,
      to,
      cc,
      invoices: invoices.map((inv) => ({
        invoiceId: inv.id,
        number: inv.number,
        currency: inv.currency,
        openBalance: inv.openBalance,
        stepKey: stepOf.get(inv.id) ?? step.key,
      })),
      attach: unionInOrder(
        firings.map((f) => f.step.attach),
        ['invoice', 'statement'] as const,
      ),
    };
    if (campaign.versionId !== undefined) message.campaignVersionId = campaign.versionId;
    if (step.arm !== undefined) message.arm = step.arm;
    const messageIndex = this.plan.messages.push(message) - 1;
    for (const f of firings) this.plan.firings.push(this.decision(f, 'fired', { messageIndex }));
  }

  /**
   * Task steps: one task per customer, campaign and day listing its invoices; the title is
   * the most advanced firing task step's Liquid title. Kind 'call' when the title starts
   * with "Call", else 'other' (promise_broken campaigns: 'promise_broken').
   * Decision: a title that fails to render at plan time (a validated title can only fail on
   * data, e.g. `invoices.first` with no invoices) falls back to "<campaign name>: <customer>".
   */
  task(firings: Firing[], kind: PlannedTask['kind'] | null, fallbackTitle: string | null): void {
    if (firings.length === 0) return;
    const campaign = firings[0]!.campaign;
    const taskSteps = firings.map((f) => f.step).filter((s) => s.action === 'task');
    const step = taskSteps.length > 0 ? mostAdvanced(taskSteps) : mostAdvanced(firings.map((f) => f.step));
    const invoices = uniqueInvoices(firings).sort(byDueDate);
    let title = fallbackTitle ?? `${campaign.name}: ${this.customer.name}`;
    if (step.task !== undefined) {
      try {
        title = renderTaskTitle(step.task, this.titleContext(campaign, step, invoices));
      } catch {
        title = `${campaign.name}: ${this.customer.name}`;
      }
    }
    const task: PlannedTask = {
      customerId: this.customer.id,
      customerExternalId: this.customer.externalId,
      kind: kind ?? (/^call\b/i.test(title) ? 'call' : 'other'),
      title,
      due: this.input.date,
      campaignKey: campaign.key,
      stepKey: step.key,
      invoiceIds: invoices.map((i) => i.id),
    };
    const taskIndex = this.plan.tasks.push(task) - 1;
    for (const f of firings) {
      if (f.step.action === 'task') this.plan.firings.push(this.decision(f, 'fired', { taskIndex }));
    }
  }

  /** R7: the customer's one "No valid email" task for today, carrying the undeliverable slots. */
  finish(): void {
    if (this.noEmailFirings.length > 0 && this.noEmailCarrier) {
      const invoices = [...new Map(this.noEmailInvoices.map((i) => [i.id, i])).values()].sort(byDueDate);
      const taskIndex =
        this.plan.tasks.push({
          customerId: this.customer.id,
          customerExternalId: this.customer.externalId,
          kind: 'no_email',
          title: `No valid email for ${this.customer.name}`,
          due: this.input.date,
          campaignKey: this.noEmailCarrier.campaign.key,
          stepKey: this.noEmailCarrier.step.key,
          invoiceIds: invoices.map((i) => i.id),
        }) - 1;
      for (const f of this.noEmailFirings) this.plan.firings.push(this.decision(f, 'fired', { taskIndex }));
    }
    this.plan.waits.push(...this.waits.values());
  }

  private titleContext(
    campaign: CampaignDefinition,
    step: StepDefinition,
    invoices: PlannerInvoice[],
  ): TaskTitleContext {
    const c = this.customer;
    return {
      customer: {
        name: c.name,
        external_id: c.externalId,
        tags: c.tags,
        priority: c.priority,
        currency: customerCurrency(c, this.input.settings),
        language: customerLanguage(c, this.input.settings),
        account_manager_email: c.accountManagerEmail,
      },
      invoices: invoices.map((i) => ({
        number: i.number,
        currency: i.currency,
        due_date: i.dueDate,
        issue_date: i.issueDate,
        days_overdue: Math.max(0, daysBetween(i.dueDate, this.input.date)),
        open_balance: i.openBalance,
      })),
      step: { key: step.key, offset_days: step.offsetDays },
      campaign: { key: campaign.key, name: campaign.name },
    };
  }
}

function uniqueInvoices(firings: Firing[]): PlannerInvoice[] {
  const map = new Map<number, PlannerInvoice>();
  for (const f of firings) if (f.invoice) map.set(f.invoice.id, f.invoice);
  return [...map.values()];
}

/**
 * The customer's dunning campaign on D: R3 catch-up per invoice, then R8, R5, R4, R7.
 *
 * Step slots: a step with repeat has occurrences at offset, offset + every, … ≤ until
 * (occurrence 0, 1, 2 …); a step without repeat has occurrence 0. An invoice's offset on
 * D is D − due_date.
 * R3: among the invoice's slots with offset ≤ D − due_date not yet fired or skipped, only
 * the latest may fire, if it is at most catch_up_days late; every earlier one is recorded
 * skipped ('superseded'), the latest too if it is too late ('too_late'). A slot held back by
 * R5 or R8 is not recorded (it waits) and R3 is applied again the next day.
 * Decision: skips are recorded even on a day the customer waits (R5/R8): they are final
 * whatever happens next, and recording them early changes no later outcome.
 * Decision: a slot older than one already recorded for the same invoice and campaign
 * (possible after a campaign was edited, e.g. a step inserted) never fires and is not
 * recorded: a milder notice never follows a stronger one.
 */
function planDunning(
  day: CustomerDay,
  campaign: CampaignDefinition,
  recorded: Recorded,
  input: PlannerInput,
) {
  const { date } = input;
  const calendar = calendarBlock(campaign, date, input.isHoliday);
  const throttle = throttleBlock(
    input.priorMessages.filter((m) => m.customerId === day.customer.id),
    campaign,
    input.settings.maxEmailsPerCustomerPerWeek,
    date,
  );
  const { slots } = campaignSlotTable(campaign);
  const recordedSlots = recorded.invoiceSlots.get(campaign.key);
  // D − due_date, memoised per due date (many invoices share one).
  const offsets = new Map<CalendarDate, number>();
  const offsetOf = (dueDate: CalendarDate): number => {
    let offset = offsets.get(dueDate);
    if (offset === undefined) {
      offset = daysBetween(dueDate, date);
      offsets.set(dueDate, offset);
    }
    return offset;
  };
  const firing = (invoice: PlannerInvoice, slot: Slot): Firing => ({
    key: invoiceSlotKey(invoice.id, slot),
    campaign,
    step: slot.step,
    occurrence: slot.occurrence,
    invoice,
    slotOffset: slot.offset,
  });
  /** Keys of slots from..to (inclusive), earliest first. */
  const keysOf = (invoice: PlannerInvoice, from: number, to: number): string[] => {
    const keys: string[] = [];
    for (let k = from; k <= to; k++) keys.push(invoiceSlotKey(invoice.id, slots[k]!));
    return keys;
  };
  const emailFirings: Firing[] = [];
  const taskFirings: Firing[] = [];
  for (const invoice of day.invoices) {
    if (!mayFire(invoice, date)) continue;
    const offsetToday = offsetOf(invoice.dueDate);
    // The latest slot that is due, found arithmetically; the pending slots are those above
    // the highest recorded one below it (everything under a recorded slot was recorded in
    // the same run, or is older than it and can never fire). Only the decisions made are
    // built: in a steady state most invoices have nothing pending and cost two lookups.
    const latest = latestDueSlot(slots, offsetToday);
    if (latest < 0) continue;
    const held = recordedSlots?.get(invoice.id);
    // A slot at or beyond today's latest was already decided (a campaign edit moved steps, or
    // a past day is planned after a later run): nothing older may fire or be recorded now.
    if (highestRecorded(held) >= latest) continue;
    const floor = highestRecordedAtOrBelow(held, latest);
    const latestSlot = slots[latest]!;
    if (offsetToday - latestSlot.offset > campaign.catchUpDays) {
      day.skip(firing(invoice, latestSlot), 'too_late', keysOf(invoice, floor + 1, latest - 1));
      continue;
    }
    if (latest - 1 > floor) {
      day.skip(firing(invoice, slots[latest - 1]!), 'superseded', keysOf(invoice, floor + 1, latest - 2));
    }
    if (calendar) {
      day.wait(campaign, calendar, invoice.id);
      continue;
    }
    if (latestSlot.step.action === 'email') {
      if (throttle) {
        day.wait(campaign, throttle, invoice.id);
        continue;
      }
      emailFirings.push(firing(invoice, latestSlot));
    } else {
      // Task steps follow every rule except R5 (throttle) and R7 (recipients).
      taskFirings.push(firing(invoice, latestSlot));
    }
  }
  day.emailMessage(emailFirings, true, uniqueInvoices(emailFirings));
  day.task(taskFirings, null, null);
}

/** The largest recorded slot index, or −1. */
function highestRecorded(indices: number | number[] | undefined): number {
  if (indices === undefined) return -1;
  return typeof indices === 'number' ? indices : Math.max(-1, ...indices);
}

/** The largest recorded slot index ≤ `limit`, or −1. */
function highestRecordedAtOrBelow(indices: number | number[] | undefined, limit: number): number {
  if (indices === undefined) return -1;
  if (typeof indices === 'number') return indices <= limit ? indices : -1;
  let best = -1;
  for (const i of indices) if (i <= limit && i > best) best = i;
  return best;
}

/**
 * The slots already decided (R2), as the planner looks them up: customer-level keys
 * (welcome, statements, broken promises) in a set; invoice dunning slots as their index in
 * the campaign's current slot list, per campaign and invoice. A recorded key whose step is
 * no longer in the campaign matches no current slot, exactly as a key lookup would not.
 */
interface Recorded {
  keys: Set<string>;
  /** One index (the usual case: the shell loads only the highest), or several. */
  invoiceSlots: Map<string, Map<number, number | number[]>>;
}

function recordedOf(campaigns: CampaignDefinition[], priorFirings: PriorFiring[]): Recorded {
  const dunning = new Map(campaigns.filter((c) => c.trigger === undefined).map((c) => [c.key, c]));
  const recorded: Recorded = { keys: new Set(), invoiceSlots: new Map() };
  for (const f of priorFirings) {
    const campaign = f.invoiceId === null ? undefined : dunning.get(f.campaignKey);
    if (!campaign || !f.key.startsWith('inv:')) {
      recorded.keys.add(f.key);
      continue;
    }
    const index = campaignSlotTable(campaign).indexOf.get(f.stepKey)?.[f.occurrence];
    if (index === undefined) continue;
    let byInvoice = recorded.invoiceSlots.get(f.campaignKey);
    if (!byInvoice) {
      byInvoice = new Map();
      recorded.invoiceSlots.set(f.campaignKey, byInvoice);
    }
    const held = byInvoice.get(f.invoiceId!);
    if (held === undefined) byInvoice.set(f.invoiceId!, index);
    else if (typeof held === 'number') byInvoice.set(f.invoiceId!, [held, index]);
    else held.push(index);
  }
  return recorded;
}

/**
 * Event campaigns run beside the dunning campaign (R1 does not apply) for every customer in
 * their audience (no audience = everyone). Each slot fires on the first allowed day (R8) on
 * or after its event day (+ the step's offset_days), within catch_up_days; if no allowed day
 * falls in that window, it never fires (nothing is recorded). Event messages have
 * dunning: false, their own message per customer and campaign (never merged with the
 * dunning email), R7 recipients, and are never throttled (R5).
 */
function planEvent(
  day: CustomerDay,
  campaign: CampaignDefinition,
  recorded: Recorded,
  input: PlannerInput,
  promises: BrokenPromise[],
  paused: boolean,
) {
  const { date } = input;
  const inWindow = (eventDay: CalendarDate) => {
    const late = daysBetween(eventDay, date);
    return late >= 0 && late <= campaign.catchUpDays;
  };
  const firings: Firing[] = [];
  let listed: PlannerInvoice[] = [];
  const consider = (
    key: string,
    step: StepDefinition,
    invoice: PlannerInvoice | null,
    eventDay: CalendarDate,
  ) => {
    if (recorded.keys.has(key) || !inWindow(eventDay)) return;
    const block = calendarBlock(campaign, date, input.isHoliday);
    if (block) {
      day.wait(campaign, block, invoice?.id ?? null);
      return;
    }
    firings.push({ key, campaign, step, occurrence: 0, invoice });
  };

  switch (campaign.trigger) {
    case 'customer_created':
      // Once per customer and step, counted from the customer's local creation date.
      for (const step of campaign.steps) {
        const key = firingKey({
          kind: 'customer_created',
          customerId: day.customer.id,
          campaignKey: campaign.key,
          stepKey: step.key,
        });
        consider(key, step, null, addDays(day.customer.createdOn, step.offsetDays));
      }
      break;
    case 'statement_monthly': {
      // Once per customer and month, for customers with an open balance on D. The window may
      // cross a month end (31st + 3 days), so this month and the previous one are candidates;
      // the newest one in its window wins. The message lists the invoices that may be listed
      // (open, positive balance, not disputed); the statement PDF shows the whole account.
      const hasOpenBalance = day.invoices.some((i) => i.status === 'open' && i.openBalance > 0);
      const step = campaign.steps[0];
      if (!hasOpenBalance || !step || campaign.dayOfMonth === undefined) break;
      const thisMonth = date.slice(0, 7);
      const lastMonth = addDays(`${thisMonth}-01`, -1).slice(0, 7);
      for (const month of [thisMonth, lastMonth]) {
        const eventDay = statementDay(month, campaign.dayOfMonth);
        if (!inWindow(eventDay)) continue;
        const key = firingKey({
          kind: 'statement',
          customerId: day.customer.id,
          campaignKey: campaign.key,
          month,
        });
        consider(key, step, null, eventDay);
        break; // only the newest statement in its window may fire
      }
      listed = day.invoices.filter((i) => i.status === 'open' && i.openBalance > 0 && !i.disputed);
      break;
    }
    case 'promise_broken': {
      // Per broken promise, from the day it counts as broken. The invoice must still be
      // collectable on D (R6: not paid, void, disputed, on hold or covered by a new promise).
      if (paused || promises.length === 0) break;
      const byId = new Map(day.invoices.map((i) => [i.id, i]));
      for (const promise of promises) {
        const invoice = byId.get(promise.invoiceId);
        if (!invoice || !mayFire(invoice, date)) continue;
        for (const step of campaign.steps) {
          const key = firingKey({
            kind: 'promise',
            promiseId: promise.promiseId,
            campaignKey: campaign.key,
            stepKey: step.key,
          });
          consider(key, step, invoice, addDays(promise.brokenOn, step.offsetDays));
        }
      }
      listed = uniqueInvoices(firings);
      break;
    }
    default:
      return;
  }
  const emails = firings.filter((f) => f.step.action === 'email');
  const tasks = firings.filter((f) => f.step.action === 'task');
  if (emails.length > 0) {
    day.emailMessage(
      emails,
      false,
      campaign.trigger === 'statement_monthly' ? listed : uniqueInvoices(emails),
    );
  }
  if (campaign.trigger === 'promise_broken') {
    // A broken promise always puts a collector on it: one 'promise_broken' task per customer
    // and day, titled by the campaign's task step if one fired, else by the invoice numbers.
    const numbers = listed.sort(byDueDate).map((i) => i.number);
    const fallback = `Promise to pay broken: ${day.customer.name} (${numbers.join(', ')})`;
    if (firings.length > 0) day.task(tasks.length > 0 ? tasks : firings, 'promise_broken', fallback);
  } else {
    day.task(tasks, null, null);
  }
}

export function planDay(input: PlannerInput): DayPlan {
  const plan: DayPlan = { date: input.date, messages: [], tasks: [], firings: [], waits: [] };
  const recorded = recordedOf(input.campaigns, input.priorFirings);
  const invoicesByCustomer = new Map<number, PlannerInvoice[]>();
  for (const invoice of input.invoices) {
    const list = invoicesByCustomer.get(invoice.customerId);
    if (list) list.push(invoice);
    else invoicesByCustomer.set(invoice.customerId, [invoice]);
  }
  const promisesByCustomer = new Map<number, BrokenPromise[]>();
  for (const p of input.brokenPromises) {
    const list = promisesByCustomer.get(p.customerId);
    if (list) list.push(p);
    else promisesByCustomer.set(p.customerId, [p]);
  }
  const messagesByCustomer = new Map<number, PriorMessage[]>();
  for (const m of input.priorMessages) {
    const list = messagesByCustomer.get(m.customerId);
    if (list) list.push(m);
    else messagesByCustomer.set(m.customerId, [m]);
  }
  // Output order never depends on input order (R10): customers by id, invoices by due date,
  // event campaigns by key, promises by date and id.
  const customers = [...input.customers].sort((a, b) => a.id - b.id);
  const events = input.campaigns
    .filter((c) => c.trigger !== undefined)
    .sort((a, b) => (a.key < b.key ? -1 : 1));

  for (const customer of customers) {
    const invoices = (invoicesByCustomer.get(customer.id) ?? []).sort(byDueDate);
    const day = new CustomerDay(plan, input, customer, invoices);
    const paused = isPaused(customer, input.date);
    const dunning = dunningCampaignFor(input.campaigns, customer, invoices, input.settings);
    if (dunning && !paused) {
      // A/B steps: the customer's arm of each (a pure function of its id; planner/ab.ts).
      planDunning(day, campaignForCustomer(dunning, customer.id), recorded, {
        ...input,
        priorMessages: messagesByCustomer.get(customer.id) ?? [],
      });
    }
    const promises = (promisesByCustomer.get(customer.id) ?? []).sort((a, b) =>
      a.brokenOn < b.brokenOn ? -1 : a.brokenOn > b.brokenOn ? 1 : a.promiseId - b.promiseId,
    );
    for (const campaign of events) {
      if (!matchesAudience(campaign.audience, customer, invoices, input.settings)) continue;
      planEvent(day, campaign, recorded, input, promises, paused);
    }
    day.finish();
  }
  return plan;
}

/**
 * The customers whose day D (as planned) leaves something undecided, so that the shell must
 * plan them again on the next day whatever else happens (the steady day, ../window.ts):
 * a wait (R5 throttle, R8 calendar), or an open invoice with a slot due under some dunning
 * campaign that cannot fire — R6 (disputed, on hold, promised, not collectable), a paused
 * customer, or no dunning campaign for the customer. Every other customer is settled: each
 * of its open invoices had its latest due slot recorded (or has none due yet), so until time
 * or data move, planning it again decides nothing. Deliberately conservative: a blocked
 * invoice counts whether or not its due slot was already recorded.
 */
export function unsettledCustomers(input: PlannerInput, plan: DayPlan): Set<number> {
  const out = new Set<number>();
  for (const w of plan.waits) out.add(w.customerId);
  let firstOffset = Number.POSITIVE_INFINITY;
  for (const c of input.campaigns) {
    if (c.trigger !== undefined) continue;
    const first = campaignSlotTable(c).slots[0];
    if (first && first.offset < firstOffset) firstOffset = first.offset;
    for (const o of variantOffsets(c)) if (o < firstOffset) firstOffset = o;
  }
  if (firstOffset === Number.POSITIVE_INFINITY) return out;
  const invoicesByCustomer = new Map<number, PlannerInvoice[]>();
  for (const invoice of input.invoices) {
    const list = invoicesByCustomer.get(invoice.customerId);
    if (list) list.push(invoice);
    else invoicesByCustomer.set(invoice.customerId, [invoice]);
  }
  for (const customer of input.customers) {
    if (out.has(customer.id)) continue;
    const invoices = invoicesByCustomer.get(customer.id);
    if (!invoices) continue;
    const due = invoices.filter((i) => daysBetween(i.dueDate, input.date) >= firstOffset);
    if (due.length === 0) continue;
    if (
      isPaused(customer, input.date) ||
      dunningCampaignFor(input.campaigns, customer, invoices, input.settings) === null ||
      due.some((i) => !mayFire(i, input.date))
    ) {
      out.add(customer.id);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// History conversions (used by forecast, and by the shell and tests to feed a day back)

/**
 * The slots a plan recorded, one history entry per slot: a compact skip decision becomes
 * one entry per key it lists (its `alsoSkipped`, earliest first) and one for its own key.
 */
export function priorFiringsOf(plan: DayPlan): PriorFiring[] {
  const out: PriorFiring[] = [];
  for (const f of plan.firings) {
    for (const key of f.alsoSkipped ?? []) {
      // Invoice slot keys are 'inv:<invoice>:<campaign>:<step>:<occurrence>' (slugs, no ':').
      const [, , campaignKey, stepKey, occurrence] = key.split(':');
      out.push({
        key,
        customerId: f.customerId,
        invoiceId: f.invoiceId,
        campaignKey: campaignKey ?? f.campaignKey,
        stepKey: stepKey ?? f.stepKey,
        occurrence: Number(occurrence),
        date: plan.date,
        outcome: 'skipped',
      });
    }
    out.push(priorFiring(f, plan.date));
  }
  return out;
}

function priorFiring(f: FiringDecision, date: CalendarDate): PriorFiring {
  return {
    key: f.key,
    customerId: f.customerId,
    invoiceId: f.invoiceId,
    campaignKey: f.campaignKey,
    stepKey: f.stepKey,
    occurrence: f.occurrence,
    date,
    outcome: f.outcome,
  };
}

export function priorMessagesOf(plan: DayPlan): PriorMessage[] {
  return plan.messages.map((m) => ({
    customerId: m.customerId,
    plannedFor: m.plannedFor,
    dunning: m.dunning,
    cancelled: false,
  }));
}

/**
 * What the engine would plan on each of `days` days from input.date if nothing were paid
 * and nothing else changed: day 1 is exactly planDay(input) (R10: forecast day 1 = run
 * --dry-run = run); each next day sees the previous days' firings and messages as history.
 * Invoices, customers and broken promises stay as given; date-bound states (pauses,
 * promises) expire on their own dates.
 */
export function forecast(input: PlannerInput, days: number): DayPlan[] {
  const plans: DayPlan[] = [];
  let priorFirings = input.priorFirings;
  let priorMessages = input.priorMessages;
  for (let i = 0; i < days; i++) {
    const plan = planDay({ ...input, date: addDays(input.date, i), priorFirings, priorMessages });
    plans.push(plan);
    // Only each decision's own slot: the slots a compact skip lists lie below it, and the
    // planner never looks below the highest recorded slot (same plans, far less history).
    priorFirings = priorFirings.concat(plan.firings.map((f) => priorFiring(f, plan.date)));
    priorMessages = priorMessages.concat(priorMessagesOf(plan));
  }
  return plans;
}
