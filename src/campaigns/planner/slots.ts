/**
 * Slots: the (subject, campaign, step, occurrence) units that fire at most once (R2). Their
 * keys are stored in a UNIQUE column by the shell, so "never twice" is a database constraint
 * and not only this module's `if`.
 */
import type { CampaignDefinition, StepDefinition } from './types.ts';

export type FiringSubject =
  /** A dunning step of an invoice: occurrence 0 for a plain step, 0, 1, 2 … for repeats. */
  | { kind: 'invoice'; invoiceId: number; campaignKey: string; stepKey: string; occurrence: number }
  /** customer_created event campaigns: once per customer and step. */
  | { kind: 'customer_created'; customerId: number; campaignKey: string; stepKey: string }
  /** statement_monthly: once per customer and month ('YYYY-MM'). */
  | { kind: 'statement'; customerId: number; campaignKey: string; month: string }
  /** promise_broken: once per broken promise and step. */
  | { kind: 'promise'; promiseId: number; campaignKey: string; stepKey: string };

/** The unique key of a slot (R2). Campaign and step keys are slugs, so ':' cannot collide. */
export function firingKey(subject: FiringSubject): string {
  switch (subject.kind) {
    case 'invoice':
      return `inv:${subject.invoiceId}:${subject.campaignKey}:${subject.stepKey}:${subject.occurrence}`;
    case 'customer_created':
      return `cust:${subject.customerId}:${subject.campaignKey}:${subject.stepKey}:0`;
    case 'statement':
      return `stmt:${subject.customerId}:${subject.campaignKey}:${subject.month}`;
    case 'promise':
      return `promise:${subject.promiseId}:${subject.campaignKey}:${subject.stepKey}`;
  }
}

export interface Slot {
  step: StepDefinition;
  /** The step's position in the campaign file (ties never happen: offsets are distinct). */
  stepIndex: number;
  occurrence: number;
  /** Days after the due date at which this slot is due. */
  offset: number;
}

/** Every offset at which a step has a slot: offset, offset + every, … ≤ until. */
export function stepSlotOffsets(step: StepDefinition): number[] {
  if (step.repeatEveryDays === undefined || step.untilOffsetDays === undefined) return [step.offsetDays];
  const out: number[] = [];
  for (let o = step.offsetDays; o <= step.untilOffsetDays; o += step.repeatEveryDays) out.push(o);
  return out;
}

const slotCache = new WeakMap<CampaignDefinition, Slot[]>();

/** A campaign's slots, earliest offset first. */
export function campaignSlots(campaign: CampaignDefinition): Slot[] {
  let slots = slotCache.get(campaign);
  if (!slots) {
    slots = campaign.steps.flatMap((step, stepIndex) =>
      stepSlotOffsets(step).map((offset, occurrence) => ({ step, stepIndex, occurrence, offset })),
    );
    slots.sort((a, b) => a.offset - b.offset || a.stepIndex - b.stepIndex);
    slotCache.set(campaign, slots);
  }
  return slots;
}
