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
  /** `<campaign>:<step>:<occurrence>`: an invoice slot's key is `inv:<invoice id>:` + this. */
  keySuffix: string;
}

/** Every offset at which a step has a slot: offset, offset + every, … ≤ until. */
export function stepSlotOffsets(step: StepDefinition): number[] {
  if (step.repeatEveryDays === undefined || step.untilOffsetDays === undefined) return [step.offsetDays];
  const out: number[] = [];
  for (let o = step.offsetDays; o <= step.untilOffsetDays; o += step.repeatEveryDays) out.push(o);
  return out;
}

/** A campaign's slots, earliest offset first, and where each (step, occurrence) sits among them. */
export interface CampaignSlots {
  slots: Slot[];
  /** Step key → index into `slots` of each occurrence (occurrence 0 first). */
  indexOf: Map<string, number[]>;
}

const slotCache = new WeakMap<CampaignDefinition, CampaignSlots>();

export function campaignSlotTable(campaign: CampaignDefinition): CampaignSlots {
  let table = slotCache.get(campaign);
  if (!table) {
    const slots = campaign.steps.flatMap((step, stepIndex) =>
      stepSlotOffsets(step).map((offset, occurrence) => ({
        step,
        stepIndex,
        occurrence,
        offset,
        keySuffix: `${campaign.key}:${step.key}:${occurrence}`,
      })),
    );
    slots.sort((a, b) => a.offset - b.offset || a.stepIndex - b.stepIndex);
    const indexOf = new Map<string, number[]>();
    slots.forEach((slot, i) => {
      const list = indexOf.get(slot.step.key) ?? [];
      list[slot.occurrence] = i;
      indexOf.set(slot.step.key, list);
    });
    table = { slots, indexOf };
    slotCache.set(campaign, table);
  }
  return table;
}

/** A campaign's slots, earliest offset first. */
export function campaignSlots(campaign: CampaignDefinition): Slot[] {
  return campaignSlotTable(campaign).slots;
}

/**
 * The index of the latest slot due at `offset` days after the due date (−1 if none is due
 * yet). Slots are sorted by offset, and a campaign has a handful of them (a repeat step adds
 * one per occurrence), so this is a short scan from the end; nothing is built per invoice.
 */
export function latestDueSlot(slots: readonly Slot[], offset: number): number {
  let i = slots.length - 1;
  while (i >= 0 && slots[i]!.offset > offset) i--;
  return i;
}

/** firingKey() of an invoice slot, without building the subject object (the hot path). */
export function invoiceSlotKey(invoiceId: number, slot: Slot): string {
  return `inv:${invoiceId}:${slot.keySuffix}`;
}
