/**
 * "What changes if I save this edit" (pure): two forecasts of the same days — under the
 * active campaigns and under a draft — compared slot by slot. A slot's key
 * (`inv:<invoice>:<campaign>:<step>:<occurrence>`, or a customer-level key) names the same
 * thing under both definitions, so matching by it tells a step that moved from one that was
 * removed and another added: same key on another day = moved; same day, other template =
 * template changed; a key on one side only = added or removed.
 */
import type { CalendarDate } from '../ledger/dates.ts';
import type { AbArm, DayPlan } from './planner/types.ts';

/** One fired slot of a forecast: what reaches which customer and invoice on which day. */
export interface ForecastEntry {
  slot: string;
  customer: string;
  /** Invoice number; null for customer-level slots (welcome letter, statement). */
  invoice: string | null;
  campaign: string;
  step: string;
  date: CalendarDate;
  action: 'email' | 'task';
  /** The template of the message that carries the slot (R4: its most advanced step's). */
  template: string | null;
  arm: AbArm | null;
}

export type ChangeKind = 'added' | 'removed' | 'moved' | 'template_changed';

export interface ForecastChange {
  change: ChangeKind;
  customer: string;
  invoice: string | null;
  campaign: string;
  step: string;
  action: 'email' | 'task';
  date_before: CalendarDate | null;
  date_after: CalendarDate | null;
  template_before: string | null;
  template_after: string | null;
}

export interface ForecastDiff {
  counts: Record<ChangeKind, number> & { unchanged: number; customers: number };
  /** Messages (emails) in each forecast, so a change can be read against the whole. */
  messages_before: number;
  messages_after: number;
  /** Earliest date first; at most `limit` rows (counts always cover every change). */
  changes: ForecastChange[];
  truncated: boolean;
}

/** The fired slots of a forecast's day plans; `numbers` maps invoice ids to numbers. */
export function forecastEntries(
  plans: readonly DayPlan[],
  numbers: ReadonlyMap<number, string>,
): ForecastEntry[] {
  const out: ForecastEntry[] = [];
  for (const plan of plans) {
    for (const f of plan.firings) {
      if (f.outcome !== 'fired') continue;
      const message = f.messageIndex === undefined ? undefined : plan.messages[f.messageIndex];
      const task = f.taskIndex === undefined ? undefined : plan.tasks[f.taskIndex];
      const customer = message?.customerExternalId ?? task?.customerExternalId;
      if (customer === undefined) continue;
      out.push({
        slot: f.key,
        customer,
        invoice: f.invoiceId === null ? null : (numbers.get(f.invoiceId) ?? String(f.invoiceId)),
        campaign: f.campaignKey,
        step: f.stepKey,
        date: plan.date,
        action: message ? 'email' : 'task',
        template: message?.template ?? null,
        arm: f.arm ?? null,
      });
    }
  }
  return out;
}

function byDateThenWho(a: ForecastChange, b: ForecastChange): number {
  const da = a.date_after ?? a.date_before ?? '';
  const db = b.date_after ?? b.date_before ?? '';
  if (da !== db) return da < db ? -1 : 1;
  if (a.customer !== b.customer) return a.customer < b.customer ? -1 : 1;
  const ia = a.invoice ?? '';
  const ib = b.invoice ?? '';
  if (ia !== ib) return ia < ib ? -1 : 1;
  return a.step < b.step ? -1 : a.step > b.step ? 1 : 0;
}

/** Compares two forecasts of the same days; `before` = active campaigns, `after` = the draft. */
export function diffForecasts(
  before: readonly ForecastEntry[],
  after: readonly ForecastEntry[],
  limit = 500,
): ForecastDiff {
  const old = new Map(before.map((e) => [e.slot, e]));
  const changes: ForecastChange[] = [];
  let unchanged = 0;
  const change = (kind: ChangeKind, b: ForecastEntry | undefined, a: ForecastEntry | undefined) => {
    const e = (a ?? b)!;
    changes.push({
      change: kind,
      customer: e.customer,
      invoice: e.invoice,
      campaign: e.campaign,
      step: e.step,
      action: e.action,
      date_before: b?.date ?? null,
      date_after: a?.date ?? null,
      template_before: b?.template ?? null,
      template_after: a?.template ?? null,
    });
  };
  for (const a of after) {
    const b = old.get(a.slot);
    if (!b) change('added', undefined, a);
    else if (b.date !== a.date) change('moved', b, a);
    else if (b.template !== a.template || b.action !== a.action) change('template_changed', b, a);
    else unchanged++;
    old.delete(a.slot);
  }
  for (const b of old.values()) change('removed', b, undefined);
  changes.sort(byDateThenWho);
  const counts = { added: 0, removed: 0, moved: 0, template_changed: 0, unchanged, customers: 0 };
  for (const c of changes) counts[c.change]++;
  counts.customers = new Set(changes.map((c) => c.customer)).size;
  const messages = (entries: readonly ForecastEntry[]) =>
    new Set(
      entries
        .filter((e) => e.action === 'email')
        .map((e) => `${e.customer}\u0000${e.campaign}\u0000${e.date}`),
    ).size;
  return {
    counts,
    messages_before: messages(before),
    messages_after: messages(after),
    changes: changes.slice(0, limit),
    truncated: changes.length > limit,
  };
}
