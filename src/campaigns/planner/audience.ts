/**
 * Who is in which campaign (R1) and who receives what (R7). Pure.
 */
import { currencyExponent } from '../../ledger/money.ts';
import type {
  Audience,
  CampaignDefinition,
  EngineSettings,
  PlannedMessage,
  PlannerCustomer,
  PlannerInvoice,
} from './types.ts';

/** The customer's currency, else the organisation's default. */
export function customerCurrency(customer: PlannerCustomer, settings: EngineSettings): string {
  return (customer.currency ?? settings.defaultCurrency).toUpperCase();
}

export function customerLanguage(customer: PlannerCustomer, settings: EngineSettings): string {
  return (customer.language ?? settings.defaultLanguage).toLowerCase();
}

/**
 * The customer's open balance on D in one currency (minor units): the positive open balances
 * of its open invoices in that currency. Credits on other invoices are not netted here; an
 * overpaid invoice (negative balance) is unapplied cash, not a reduction of what is owed.
 */
export function openBalanceIn(invoices: PlannerInvoice[], currency: string): number {
  let total = 0;
  for (const invoice of invoices) {
    if (invoice.status === 'open' && invoice.currency === currency && invoice.openBalance > 0) {
      total += invoice.openBalance;
    }
  }
  return total;
}

/**
 * A major-unit threshold ("1000", "99.505") in minor units as an exact (integer, remainder)
 * pair, so comparisons never go through floating point: balance ≥ min ⇔ balance ≥ whole +
 * (remainder ? 1 : 0); balance ≤ max ⇔ balance ≤ whole.
 */
function thresholdMinor(text: string, currency: string): { whole: number; remainder: boolean } {
  const exponent = currencyExponent(currency);
  const [intPart = '0', fraction = ''] = text.split('.');
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  const dropped = fraction.slice(exponent);
  return { whole: Number(intPart + kept), remainder: /[1-9]/.test(dropped) };
}

function lower(values: string[]): Set<string> {
  return new Set(values.map((v) => v.trim().toLowerCase()));
}

/** All given audience conditions must hold (PRODUCT §4); tags compare case-insensitively. */
export function matchesAudience(
  audience: Audience,
  customer: PlannerCustomer,
  invoices: PlannerInvoice[],
  settings: EngineSettings,
): boolean {
  const tags = lower(customer.tags);
  if (audience.tagsAny && !audience.tagsAny.some((t) => tags.has(t.toLowerCase()))) return false;
  if (audience.tagsAll && !audience.tagsAll.every((t) => tags.has(t.toLowerCase()))) return false;
  if (audience.tagsNone?.some((t) => tags.has(t.toLowerCase()))) return false;
  if (audience.priorityIn && !audience.priorityIn.includes(customer.priority)) return false;
  const currency = customerCurrency(customer, settings);
  if (audience.currencyIn && !audience.currencyIn.map((c) => c.toUpperCase()).includes(currency))
    return false;
  if (audience.customerIds && !audience.customerIds.includes(customer.externalId)) return false;
  if (audience.languageIn && !lower(audience.languageIn).has(customerLanguage(customer, settings)))
    return false;
  if (audience.minOpenBalance !== undefined || audience.maxOpenBalance !== undefined) {
    // Decision: balances compare in the customer's own currency only (no conversion).
    const balance = openBalanceIn(invoices, currency);
    if (audience.minOpenBalance !== undefined) {
      const min = thresholdMinor(audience.minOpenBalance, currency);
      if (balance < min.whole + (min.remainder ? 1 : 0)) return false;
    }
    if (audience.maxOpenBalance !== undefined) {
      if (balance > thresholdMinor(audience.maxOpenBalance, currency).whole) return false;
    }
  }
  return true;
}

/**
 * R1: the customer's one dunning campaign — the matching non-event campaign with the lowest
 * priority; ties go to the campaign key in alphabetical order, so the choice never depends
 * on the order of the file or of the database rows. A campaign a person assigned to the
 * customer comes first, whatever its audience, while it is an active dunning campaign; an
 * assignment naming a campaign that no longer exists (or an event campaign) is ignored.
 */
export function dunningCampaignFor(
  campaigns: CampaignDefinition[],
  customer: PlannerCustomer,
  invoices: PlannerInvoice[],
  settings: EngineSettings,
): CampaignDefinition | null {
  if (customer.assignedCampaign) {
    const assigned = campaigns.find((c) => c.key === customer.assignedCampaign && c.trigger === undefined);
    if (assigned) return assigned;
  }
  let best: CampaignDefinition | null = null;
  for (const campaign of campaigns) {
    if (campaign.trigger !== undefined) continue;
    if (!matchesAudience(campaign.audience, customer, invoices, settings)) continue;
    if (
      best === null ||
      campaign.priority < best.priority ||
      (campaign.priority === best.priority && campaign.key < best.key)
    ) {
      best = campaign;
    }
  }
  return best;
}

/**
 * R7: To = contacts that receive dunning and have a deliverable address (not bounced or
 * complained); Cc = contacts of the step's cc roles with a deliverable address, and
 * `account_manager` = the customer's account manager. An address appears once (To wins).
 */
export function recipientsFor(
  customer: PlannerCustomer,
  ccRoles: string[],
): { to: PlannedMessage['to']; cc: PlannedMessage['cc'] } {
  const seen = new Set<string>();
  const contacts = [...customer.contacts].sort((a, b) => a.id - b.id);
  const to: PlannedMessage['to'] = [];
  for (const contact of contacts) {
    const email = contact.email?.trim();
    if (!contact.receivesDunning || !email || contact.emailStatus !== 'ok') continue;
    const key = email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    to.push({ contactId: contact.id, name: contact.name, email });
  }
  const cc: PlannedMessage['cc'] = [];
  if (to.length === 0) return { to, cc };
  for (const role of ccRoles) {
    if (role === 'account_manager') {
      const email = customer.accountManagerEmail?.trim();
      if (email && !seen.has(email.toLowerCase())) {
        seen.add(email.toLowerCase());
        cc.push({ contactId: null, name: 'Account manager', email });
      }
      continue;
    }
    for (const contact of contacts) {
      const email = contact.email?.trim();
      if (contact.role !== role || !email || contact.emailStatus !== 'ok') continue;
      if (seen.has(email.toLowerCase())) continue;
      seen.add(email.toLowerCase());
      cc.push({ contactId: contact.id, name: contact.name, email });
    }
  }
  return { to, cc };
}
