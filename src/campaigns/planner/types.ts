/**
 * The planner's contract: plain data in, plain decisions out. The planner is a pure
 * function of these values (rule R10): no clock, no database, no environment, no randomness.
 * The engine shell (src/campaigns/run.ts) loads them with set-based SQL and writes the
 * decisions in one transaction; `forecast` feeds each day's decisions back as history.
 */
import type { CalendarDate, WeekdayKey } from '../../ledger/dates.ts';

// ---------------------------------------------------------------------------------------
// Campaign definitions (parsed and validated from the campaign file; see ../definition.ts)

export type Trigger = 'customer_created' | 'statement_monthly' | 'promise_broken';

export interface Audience {
  tagsAny?: string[];
  tagsAll?: string[];
  tagsNone?: string[];
  priorityIn?: ('high' | 'normal' | 'low')[];
  currencyIn?: string[];
  /** Major units (decimal string as written, e.g. "1000"), compared per currency. */
  minOpenBalance?: string;
  maxOpenBalance?: string;
  /** Customer external ids. */
  customerIds?: string[];
  languageIn?: string[];
}

export interface StepDefinition {
  key: string;
  offsetDays: number;
  /** With repeat: fires at offsetDays, offsetDays + repeatEveryDays, … ≤ untilOffsetDays. */
  repeatEveryDays?: number;
  untilOffsetDays?: number;
  action: 'email' | 'task';
  /** Template key for email steps. */
  template?: string;
  attach: ('invoice' | 'statement')[];
  /** Contact roles (billing, ap, key, other) or 'account_manager'. */
  cc: string[];
  /** Task title (Liquid: customer, invoices) for task steps. */
  task?: string;
  /** A/B test of this step (dunning campaigns only): what arm b does instead. */
  variant?: StepVariant;
  /**
   * Set only on a step resolved for one customer (planner/ab.ts): the arm it was resolved
   * to. The firing and the message it carries record it, so reports can group by arm.
   */
  arm?: AbArm;
}

/** The two arms of an A/B step: a = the step as written, b = its variant. */
export type AbArm = 'a' | 'b';

/** Share of customers in arm b when the file does not say. */
export const DEFAULT_SPLIT_PERCENT = 50;

export interface StepVariant {
  /** Arm b sends this template instead (email steps). */
  template?: string;
  /** Arm b fires at this offset instead (steps without repeat; keeps the step's place). */
  offsetDays?: number;
  /** Percent of customers in arm b (1–99). */
  splitPercent: number;
}

export interface CampaignDefinition {
  key: string;
  name: string;
  /** Lower number wins when a customer matches several dunning campaigns (R1). */
  priority: number;
  audience: Audience;
  sendOn: WeekdayKey[];
  /** 'HH:MM' local to the customer (else the organisation). Only the scheduler waits for it. */
  sendAt: string;
  minDaysBetween: number;
  catchUpDays: number;
  promiseGraceDays: number;
  replyPauseDays: number;
  /** Public-holiday calendars (country or country-region codes: 'US', 'DE-BY'). */
  holidays: string[];
  /** Event campaigns have a trigger and are not dunning campaigns (R1 does not apply). */
  trigger?: Trigger;
  /** statement_monthly: the day of the month (1–28; 31 means the month's last day). */
  dayOfMonth?: number;
  steps: StepDefinition[];
  /** Stored version id of this definition (recorded on each firing). */
  versionId?: number;
}

export interface EngineSettings {
  /** Global cap on dunning emails per customer over a rolling 7 days (R5). Default 2. */
  maxEmailsPerCustomerPerWeek: number;
  /** The organisation's defaults for customers that have none. */
  defaultLanguage: string;
  defaultCurrency: string;
  defaultTimeZone: string;
}

// ---------------------------------------------------------------------------------------
// Ledger state on the planned day D

export interface PlannerContact {
  id: number;
  name: string;
  email: string | null;
  role: 'billing' | 'ap' | 'key' | 'other';
  receivesDunning: boolean;
  /** 'bounced' and 'complained' addresses are never mailed (R7). */
  emailStatus: 'ok' | 'bounced' | 'complained';
}

export interface PlannerCustomer {
  id: number;
  externalId: string;
  name: string;
  tags: string[];
  priority: 'high' | 'normal' | 'low';
  currency: string | null;
  language: string | null;
  timeZone: string | null;
  accountManagerEmail: string | null;
  /**
   * A dunning campaign a person chose for this customer (customers.campaign_key, set on the
   * customer page); it wins over R1's audience match while it names an active dunning campaign.
   */
  assignedCampaign?: string | null;
  /** The customer's local date when it was created in Dunwell (customer_created event). */
  createdOn: CalendarDate;
  /** Dunning paused indefinitely (customers pause without --until). */
  paused: boolean;
  /** Dunning paused while the day is before this date. */
  pausedUntil: CalendarDate | null;
  /** R9: a human reply pauses dunning while the day is before this date. */
  replyPausedUntil: CalendarDate | null;
  contacts: PlannerContact[];
}

export interface PlannerInvoice {
  id: number;
  customerId: number;
  number: string;
  currency: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  amount: number;
  /** Open balance on day D: amount − payments and credits dated ≤ D (R6). */
  openBalance: number;
  status: 'open' | 'paid' | 'void';
  disputed: boolean;
  onHold: boolean;
  /** Covered by an open promise to pay while D ≤ this date (promised date + grace) (R6). */
  promisedThrough: CalendarDate | null;
}

/** A (subject, step, occurrence) slot that already fired or was skipped (R2, R3). */
export interface PriorFiring {
  /** Unique key of the slot; see firingKey(). */
  key: string;
  customerId: number;
  invoiceId: number | null;
  campaignKey: string;
  stepKey: string;
  occurrence: number;
  date: CalendarDate;
  outcome: 'fired' | 'skipped';
}

/** A message already planned or sent to a customer (R5 counts dunning ones by planned day). */
export interface PriorMessage {
  customerId: number;
  plannedFor: CalendarDate;
  dunning: boolean;
  cancelled: boolean;
}

/** A promise to pay that lapsed (promised date + grace passed with the invoice open). */
export interface BrokenPromise {
  promiseId: number;
  customerId: number;
  invoiceId: number;
  /** The first day on which the promise counts as broken. */
  brokenOn: CalendarDate;
}

export interface PlannerInput {
  /** The local calendar day being planned (the same date for every customer in the input). */
  date: CalendarDate;
  campaigns: CampaignDefinition[];
  settings: EngineSettings;
  customers: PlannerCustomer[];
  /** Open (or recently changed) invoices of those customers. */
  invoices: PlannerInvoice[];
  priorFirings: PriorFiring[];
  /** Messages of the customers planned for dates before D (at least the last 7 days). */
  priorMessages: PriorMessage[];
  brokenPromises: BrokenPromise[];
  /** Public holidays per calendar code within the range the planner may look at. */
  isHoliday: (calendar: string, date: CalendarDate) => boolean;
}

// ---------------------------------------------------------------------------------------
// Decisions

export interface FiringDecision {
  key: string;
  customerId: number;
  invoiceId: number | null;
  campaignKey: string;
  campaignVersionId?: number;
  stepKey: string;
  occurrence: number;
  outcome: 'fired' | 'skipped';
  /** Why a slot was skipped: 'superseded' (a later step is due), 'too_late' (catch-up window passed). */
  reason?: 'superseded' | 'too_late';
  /** Invoice dunning slots: days after the due date at which the slot (`key`) was due. */
  slotOffset?: number;
  /**
   * R3, compactly: a run skips an invoice's unfired earlier slots of a campaign in one
   * decision. `key` (and stepKey, occurrence, slotOffset, reason) is the highest skipped
   * slot; `alsoSkipped` lists the keys of the lower slots it marks skipped too (always
   * 'superseded'), earliest first — present, possibly empty, on every skipped invoice slot.
   * Each listed slot counts as one skipped slot, exactly as if it had its own decision; the
   * planner never looks below the highest recorded slot of an invoice and campaign, so
   * nothing is lost, and the shell stores the list as the row's also_skipped.
   */
  alsoSkipped?: string[];
  /** A/B steps: the customer's arm of the step (recorded so reports can group by it). */
  arm?: AbArm;
  /** The message or task (index into DayPlan.messages / tasks) that carries a fired slot. */
  messageIndex?: number;
  taskIndex?: number;
}

export interface PlannedMessage {
  customerId: number;
  customerExternalId: string;
  campaignKey: string;
  campaignVersionId?: number;
  /** The most advanced firing step (largest offset) — its template is used (R4). */
  stepKey: string;
  template: string;
  /** Customer language, else the organisation's (template fallback happens when rendering). */
  language: string;
  /** Dunning (throttled, R5) or an event message (welcome, statement, promise-broken). */
  dunning: boolean;
  plannedFor: CalendarDate;
  to: { contactId: number; name: string; email: string }[];
  cc: { contactId: number | null; name: string; email: string }[];
  /** Invoices listed, oldest due first; grouped per currency by the template (R4). */
  invoices: { invoiceId: number; number: string; currency: string; openBalance: number; stepKey: string }[];
  /** 'invoice' → one '<number>.pdf' per listed invoice; 'statement' → 'statement-<date>.pdf'. */
  attach: ('invoice' | 'statement')[];
  /** A/B: the arm of the step whose template the message uses, when that step is an A/B step. */
  arm?: AbArm;
}

export interface PlannedTask {
  customerId: number;
  customerExternalId: string;
  kind: 'call' | 'check_contact' | 'no_email' | 'reply' | 'dispute' | 'promise_broken' | 'other';
  title: string;
  due: CalendarDate;
  campaignKey: string | null;
  stepKey: string | null;
  invoiceIds: number[];
}

/** Firing steps held back today (R5 throttle, R8 calendar); they are retried on later days. */
export interface Wait {
  customerId: number;
  campaignKey: string;
  reason: 'throttle_min_days' | 'throttle_weekly_cap' | 'calendar' | 'holiday';
  invoiceIds: number[];
}

export interface DayPlan {
  date: CalendarDate;
  messages: PlannedMessage[];
  tasks: PlannedTask[];
  firings: FiringDecision[];
  waits: Wait[];
}
