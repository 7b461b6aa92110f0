/**
 * A/B steps (docs/campaigns.md): a step with a `variant` splits the customers of its
 * campaign between the step as written (arm a) and the variant (arm b). The arm is a pure
 * function of (customer id, campaign key, step key) and the split: the same customer is in
 * the same arm every day, in every run and in the forecast, so a slot keeps one meaning and
 * fires once (R2); and the hash includes the step, so the arms of two steps are independent.
 */
import type { AbArm, CampaignDefinition, StepDefinition } from './types.ts';

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser so the low digits mix well. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The customer's arm of an A/B step: its bucket (0–99) below splitPercent → arm b.
 * Decision: the customer's database id, not its external id — it never changes, while an
 * ERP may renumber customers; the arm is recorded on what fires, so reports never recompute it.
 */
export function abArm(customerId: number, campaignKey: string, stepKey: string, splitPercent: number): AbArm {
  return hash32(`${campaignKey}\u0000${stepKey}\u0000${customerId}`) % 100 < splitPercent ? 'b' : 'a';
}

/** Does any step of the campaign carry an A/B variant? */
export function hasVariants(campaign: CampaignDefinition): boolean {
  return campaign.steps.some((s) => s.variant !== undefined);
}

/** The step as arm `arm` runs it: arm b takes the variant's template and offset. */
export function stepForArm(step: StepDefinition, arm: AbArm): StepDefinition {
  const { variant, ...rest } = step;
  if (!variant) return step;
  if (arm === 'a') return { ...rest, arm };
  return {
    ...rest,
    template: variant.template ?? step.template,
    offsetDays: variant.offsetDays ?? step.offsetDays,
    arm,
  } as StepDefinition;
}

/**
 * The campaign with every A/B step resolved by `armOf`. Resolved campaigns are cached per
 * campaign object and arm pattern (a campaign with k A/B steps has at most 2^k of them), so
 * the slot tables the planner builds for them are built once, not once per customer.
 */
const resolvedCache = new WeakMap<CampaignDefinition, Map<string, CampaignDefinition>>();

export function resolveArms(
  campaign: CampaignDefinition,
  armOf: (step: StepDefinition) => AbArm,
): CampaignDefinition {
  if (!hasVariants(campaign)) return campaign;
  const arms = campaign.steps.map((s) => (s.variant ? armOf(s) : '-'));
  const pattern = arms.join('');
  let byPattern = resolvedCache.get(campaign);
  if (!byPattern) {
    byPattern = new Map();
    resolvedCache.set(campaign, byPattern);
  }
  let resolved = byPattern.get(pattern);
  if (!resolved) {
    resolved = {
      ...campaign,
      steps: campaign.steps.map((s, i) => {
        const arm = arms[i]!;
        return arm === '-' ? s : stepForArm(s, arm);
      }),
    };
    byPattern.set(pattern, resolved);
  }
  return resolved;
}

/** The campaign as one customer runs it (its arm of every A/B step). */
export function campaignForCustomer(campaign: CampaignDefinition, customerId: number): CampaignDefinition {
  return resolveArms(campaign, (s) => abArm(customerId, campaign.key, s.key, s.variant!.splitPercent));
}

/** Every offset any arm of the campaign's steps may use (the steady day's due windows). */
export function variantOffsets(campaign: CampaignDefinition): number[] {
  const out: number[] = [];
  for (const s of campaign.steps) if (s.variant?.offsetDays !== undefined) out.push(s.variant.offsetDays);
  return out;
}
