/**
 * The calendar of a sample invoice (pure): on which day each step of a dunning campaign would
 * reach one invoice with the given issue and due date, and with which template or task. It is
 * the planner itself, run day by day over one made-up customer with a deliverable address and
 * nothing else open, so the send_on days, public holidays (R8, R8b), catch-up skips (R3) and
 * the customer's own throttle (R5) apply exactly as they would in a run.
 */
import { addDays, type CalendarDate, daysBetween, maxDate } from '../ledger/dates.ts';
import { forecast, resolveArms } from './planner/index.ts';
import { campaignSlots } from './planner/slots.ts';
import type { AbArm, CampaignDefinition, EngineSettings, PlannerInput } from './planner/types.ts';

export interface SampleInvoice {
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  /** Minor units. */
  amount: number;
  currency: string;
}

export interface CalendarStep {
  step: string;
  occurrence: number;
  /** The slot's offset from the due date (arm b's for an offset variant). */
  offset_days: number;
  /** due date + offset: the day the slot falls due. */
  due_on: CalendarDate;
  /** The day it fires; null when it is skipped or never reached in the horizon. */
  date: CalendarDate | null;
  outcome: 'fired' | 'skipped' | 'not_reached';
  /** R3: why a slot was skipped. */
  reason: 'superseded' | 'too_late' | null;
  action: 'email' | 'task';
  /** The step's template (email) or task title (task). */
  template: string | null;
  task: string | null;
}

/** The longest horizon looked at: the last slot plus this many days of waiting (R5, R8). */
const SLACK_DAYS = 21;
const MAX_DAYS = 800;

/**
 * The sample invoice's steps under `campaign`, every A/B step taken in arm `arm`, earliest
 * slot first. The forecast starts on the issue date (a step due before it is caught up on
 * that day or skipped, as R3 says) and ends a few weeks after the last slot.
 */
export function sampleCalendar(
  campaign: CampaignDefinition,
  sample: SampleInvoice,
  options: { settings: EngineSettings; arm: AbArm; isHoliday: PlannerInput['isHoliday'] },
): CalendarStep[] {
  // One campaign, no audience (the sample customer always belongs to it), arms fixed.
  const resolved = resolveArms({ ...campaign, audience: {}, priority: 0 }, () => options.arm);
  const slots = campaignSlots(resolved);
  const first = slots[0];
  const last = slots[slots.length - 1];
  if (!first || !last) return [];
  // Nothing can happen before the first slot falls due (nor before the invoice exists), so
  // planning starts at the later of the two: the same decisions, and a bounded horizon.
  const firstDue = addDays(sample.dueDate, first.offset);
  const start = maxDate(firstDue, sample.issueDate);
  const end = addDays(sample.dueDate, last.offset + resolved.catchUpDays + SLACK_DAYS);
  const days = Math.min(MAX_DAYS, Math.max(1, daysBetween(start, end) + 1));
  const input: PlannerInput = {
    date: start,
    campaigns: [resolved],
    settings: options.settings,
    customers: [
      {
        id: 1,
        externalId: 'SAMPLE',
        name: 'Sample customer',
        tags: [],
        priority: 'normal',
        currency: sample.currency,
        language: null,
        timeZone: null,
        accountManagerEmail: null,
        createdOn: sample.issueDate,
        paused: false,
        pausedUntil: null,
        replyPausedUntil: null,
        contacts: [
          {
            id: 1,
            name: 'Accounts payable',
            email: 'ap@example.com',
            role: 'billing',
            receivesDunning: true,
            emailStatus: 'ok',
          },
        ],
      },
    ],
    invoices: [
      {
        id: 1,
        customerId: 1,
        number: 'SAMPLE-1',
        currency: sample.currency,
        issueDate: sample.issueDate,
        dueDate: sample.dueDate,
        amount: sample.amount,
        openBalance: sample.amount,
        status: 'open',
        disputed: false,
        onHold: false,
        promisedThrough: null,
      },
    ],
    priorFirings: [],
    priorMessages: [],
    brokenPromises: [],
    isHoliday: options.isHoliday,
  };
  const decided = new Map<
    string,
    { date: CalendarDate; outcome: 'fired' | 'skipped'; reason: CalendarStep['reason'] }
  >();
  for (const plan of forecast(input, days)) {
    for (const f of plan.firings) {
      // R3's compact skip: the lower slots it lists are skipped (superseded) that day too.
      for (const key of f.alsoSkipped ?? []) {
        decided.set(key, { date: plan.date, outcome: 'skipped', reason: 'superseded' });
      }
      decided.set(f.key, { date: plan.date, outcome: f.outcome, reason: f.reason ?? null });
    }
  }
  return slots.map((slot) => {
    const key = `inv:1:${slot.keySuffix}`;
    const d = decided.get(key);
    return {
      step: slot.step.key,
      occurrence: slot.occurrence,
      offset_days: slot.offset,
      due_on: addDays(sample.dueDate, slot.offset),
      date: d?.outcome === 'fired' ? d.date : null,
      outcome: d?.outcome ?? 'not_reached',
      reason: d?.outcome === 'skipped' ? (d.reason ?? 'superseded') : null,
      action: slot.step.action,
      template: slot.step.action === 'email' ? (slot.step.template ?? null) : null,
      task: slot.step.task ?? null,
    };
  });
}
