/**
 * A tiny in-memory engine shell for planner scenario tests: it holds customers, invoices,
 * payments and the firing/message history, steps the calendar day by day (or the clock
 * instant by instant through the scheduler), calls the pure planner, and writes the
 * decisions back — enforcing the UNIQUE firing key like the database does (R2).
 */
import { parseCampaignFile } from '../../../src/campaigns/definition.ts';
import { holidayChecker } from '../../../src/campaigns/holidays.ts';
import { planDay, priorFiringsOf } from '../../../src/campaigns/planner/index.ts';
import type {
  BrokenPromise,
  CampaignDefinition,
  DayPlan,
  EngineSettings,
  PlannerContact,
  PlannerCustomer,
  PlannerInput,
  PlannerInvoice,
  PriorFiring,
  PriorMessage,
} from '../../../src/campaigns/planner/types.ts';
import { customersDueForPlanning } from '../../../src/campaigns/schedule.ts';
import { addDays, type CalendarDate } from '../../../src/ledger/dates.ts';

export const SETTINGS: EngineSettings = {
  maxEmailsPerCustomerPerWeek: 2,
  defaultLanguage: 'en',
  defaultCurrency: 'EUR',
  defaultTimeZone: 'Europe/Berlin',
};

export function campaigns(yaml: string): CampaignDefinition[] {
  return parseCampaignFile(yaml, 'test.yaml').campaigns;
}

export function contact(id: number, over: Partial<PlannerContact> = {}): PlannerContact {
  return {
    id,
    name: `Contact ${id}`,
    email: `ap${id}@example.com`,
    role: 'billing',
    receivesDunning: true,
    emailStatus: 'ok',
    ...over,
  };
}

export function customer(id: number, over: Partial<PlannerCustomer> = {}): PlannerCustomer {
  return {
    id,
    externalId: `C${id}`,
    name: `Customer ${id}`,
    tags: [],
    priority: 'normal',
    currency: 'EUR',
    language: 'en',
    timeZone: null,
    accountManagerEmail: null,
    createdOn: '2020-01-01',
    paused: false,
    pausedUntil: null,
    replyPausedUntil: null,
    contacts: [contact(id * 100)],
    ...over,
  };
}

export interface SimInvoice extends Omit<PlannerInvoice, 'openBalance'> {}

export function invoice(
  id: number,
  customerId: number,
  dueDate: CalendarDate,
  over: Partial<SimInvoice> = {},
): SimInvoice {
  return {
    id,
    customerId,
    number: `INV-${id}`,
    currency: 'EUR',
    issueDate: addDays(dueDate, -30),
    dueDate,
    amount: 10_000,
    status: 'open',
    disputed: false,
    onHold: false,
    promisedThrough: null,
    ...over,
  };
}

export interface SentMessage {
  date: CalendarDate;
  customerId: number;
  campaignKey: string;
  template: string;
  dunning: boolean;
  invoices: string[];
  cancelled: boolean;
}

export class Simulation {
  readonly customers: PlannerCustomer[];
  readonly invoices: SimInvoice[];
  readonly payments: { invoiceId: number; date: CalendarDate; amount: number }[] = [];
  readonly firings: PriorFiring[] = [];
  readonly messages: SentMessage[] = [];
  readonly plans: DayPlan[] = [];
  brokenPromises: BrokenPromise[] = [];
  private readonly keys = new Set<string>();
  private readonly lastPlannedOn = new Map<number, CalendarDate>();
  readonly isHoliday = holidayChecker();

  constructor(
    readonly campaignDefs: CampaignDefinition[],
    customers: PlannerCustomer[],
    invoices: SimInvoice[],
    readonly settings: EngineSettings = SETTINGS,
  ) {
    this.customers = customers;
    this.invoices = invoices;
  }

  pay(invoiceId: number, date: CalendarDate, amount?: number): void {
    const inv = this.invoices.find((i) => i.id === invoiceId);
    if (!inv) throw new Error(`no invoice ${invoiceId}`);
    this.payments.push({ invoiceId, date, amount: amount ?? inv.amount });
  }

  /** Open balance as of D: amount − payments dated ≤ D (R6). */
  openBalance(inv: SimInvoice, date: CalendarDate): number {
    const paid = this.payments
      .filter((p) => p.invoiceId === inv.id && p.date <= date)
      .reduce((s, p) => s + p.amount, 0);
    return inv.amount - paid;
  }

  input(date: CalendarDate, customerIds?: number[]): PlannerInput {
    const customers = customerIds ? this.customers.filter((c) => customerIds.includes(c.id)) : this.customers;
    const ids = new Set(customers.map((c) => c.id));
    return {
      date,
      campaigns: this.campaignDefs,
      settings: this.settings,
      customers,
      invoices: this.invoices
        .filter((i) => ids.has(i.customerId))
        .map((i) => {
          const openBalance = this.openBalance(i, date);
          return { ...i, openBalance, status: i.status === 'open' && openBalance <= 0 ? 'paid' : i.status };
        }),
      priorFirings: [...this.firings],
      priorMessages: this.messages.map<PriorMessage>((m) => ({
        customerId: m.customerId,
        plannedFor: m.date,
        dunning: m.dunning,
        cancelled: m.cancelled,
      })),
      brokenPromises: this.brokenPromises.filter((p) => ids.has(p.customerId)),
      isHoliday: this.isHoliday,
    };
  }

  /** Plans D and writes the decisions back, like `run --date D` does. */
  run(date: CalendarDate, customerIds?: number[]): DayPlan {
    const plan = planDay(this.input(date, customerIds));
    this.commit(plan);
    return plan;
  }

  commit(plan: DayPlan): void {
    for (const f of priorFiringsOf(plan)) {
      // The shell's UNIQUE(key) constraint: a second insert of a key is a bug (R2).
      if (this.keys.has(f.key)) throw new Error(`R2 violated: slot ${f.key} recorded twice`);
      this.keys.add(f.key);
      this.firings.push(f);
    }
    for (const m of plan.messages) {
      const numbers = m.invoices.map((i) => i.number);
      this.messages.push({
        date: m.plannedFor,
        customerId: m.customerId,
        campaignKey: m.campaignKey,
        template: m.template,
        dunning: m.dunning,
        invoices: numbers,
        cancelled: false,
      });
    }
    this.plans.push(plan);
  }

  /**
   * The sender's paid re-check (R6): a message planned for D whose listed invoices are all
   * settled by the payments known at send time is cancelled.
   */
  send(date: CalendarDate): void {
    for (const m of this.messages) {
      if (m.date !== date || m.cancelled || m.invoices.length === 0) continue;
      const open = m.invoices.some((n) => {
        const inv = this.invoices.find((i) => i.number === n)!;
        return this.openBalance(inv, '9999-12-31') > 0;
      });
      if (!open) m.cancelled = true;
    }
  }

  /** Runs every day from `from` to `to` inclusive. */
  runDays(from: CalendarDate, to: CalendarDate, between?: (date: CalendarDate) => void): void {
    for (let d = from; d <= to; d = addDays(d, 1)) {
      between?.(d);
      this.run(d);
      this.send(d);
    }
  }

  /** One scheduler tick at `instant`: plans every customer whose local send_at has passed. */
  tick(instant: Date): { date: CalendarDate; customerIds: number[] }[] {
    const batches = customersDueForPlanning(
      instant,
      this.customers.map((c) => ({
        customerId: c.id,
        timeZone: c.timeZone,
        lastPlannedOn: this.lastPlannedOn.get(c.id) ?? null,
      })),
      this.campaignDefs,
      this.settings.defaultTimeZone,
    );
    for (const batch of batches) {
      this.run(batch.date, batch.customerIds);
      for (const id of batch.customerIds) this.lastPlannedOn.set(id, batch.date);
    }
    return batches;
  }

  /**
   * What fired, one line per message or task, in plan order:
   * "2026-03-02 C1 email past-due INV-1,INV-2" / "2026-03-02 C1 task call 'Call …' INV-1".
   */
  table(): string[] {
    const rows: string[] = [];
    for (const plan of this.plans) {
      for (const m of plan.messages) {
        const c = this.customers.find((x) => x.id === m.customerId)!;
        rows.push(
          `${plan.date} ${c.externalId} email ${m.template} ${m.invoices.map((i) => i.number).join(',')}`.trimEnd(),
        );
      }
      for (const t of plan.tasks) {
        const c = this.customers.find((x) => x.id === t.customerId)!;
        const numbers = t.invoiceIds.map((id) => this.invoices.find((i) => i.id === id)!.number).join(',');
        rows.push(`${plan.date} ${c.externalId} task ${t.kind} "${t.title}" ${numbers}`.trimEnd());
      }
    }
    return rows;
  }

  /**
   * Skips and waits, for asserting R3/R5/R8 decisions: "2026-03-02 inv:1:standard:due:0 superseded".
   * One line per skipped slot: a compact skip decision lists its lower slots (alsoSkipped,
   * always superseded) before its own.
   */
  skips(): string[] {
    return this.plans.flatMap((p) =>
      p.firings
        .filter((f) => f.outcome === 'skipped')
        .flatMap((f) => [
          ...(f.alsoSkipped ?? []).map((key) => `${p.date} ${key} superseded`),
          `${p.date} ${f.key} ${f.reason}`,
        ]),
    );
  }

  waits(): string[] {
    return this.plans.flatMap((p) =>
      p.waits.map((w) => {
        const numbers = w.invoiceIds.map((id) => this.invoices.find((i) => i.id === id)!.number).join(',');
        return `${p.date} C${w.customerId} ${w.campaignKey} ${w.reason} ${numbers}`.trimEnd();
      }),
    );
  }
}
