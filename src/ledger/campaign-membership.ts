/**
 * "Which dunning campaign is this customer in?" as a SQL condition, for the customer list's
 * campaign filter. It states R1 (src/campaigns/planner/audience.ts) over the customers table:
 * a customer is in campaign K when K's audience matches and no dunning campaign that comes
 * before K (lower priority number, then key) matches — unless a person assigned the customer
 * a campaign (customers.campaign_key), which wins. Pure: it builds SQL text and binds
 * values through `bind`; the caller passes the active definitions.
 *
 * The audience's balance conditions compare the customer's open balance now (in its own
 * currency, like the planner) with the threshold in that currency's minor units.
 */
import { currencyExponent } from './money.ts';

/** The parts of a campaign definition the membership rule reads (structurally the planner's). */
export interface CampaignAudienceDef {
  key: string;
  priority: number;
  trigger?: unknown;
  audience: {
    tagsAny?: string[];
    tagsAll?: string[];
    tagsNone?: string[];
    priorityIn?: string[];
    currencyIn?: string[];
    minOpenBalance?: string;
    maxOpenBalance?: string;
    customerIds?: string[];
    languageIn?: string[];
  };
}

/** Binds a value and returns its placeholder ('$n'). */
export type Bind = (value: unknown) => string;

/** SQL for the customer's effective currency; `c` is customers, `o` the organisation row. */
const CURRENCY = 'coalesce(upper(c.currency), o.default_currency)';

let exponentCase: string | null = null;
/** CASE expression giving the minor-unit exponent of the customer's currency. */
function exponentSql(): string {
  if (exponentCase === null) {
    const odd = Intl.supportedValuesOf('currency')
      .map((code) => [code, currencyExponent(code)] as const)
      .filter(([, exponent]) => exponent !== 2);
    exponentCase = odd.length
      ? `(CASE ${CURRENCY} ${odd.map(([code, e]) => `WHEN '${code}' THEN ${e}`).join(' ')} ELSE 2 END)`
      : '2';
  }
  return exponentCase;
}

const lowered = (values: string[]) => [...new Set(values.map((v) => v.trim().toLowerCase()))];

/** The SQL condition "customer c matches this audience" (TRUE when the audience is empty). */
export function audienceSql(audience: CampaignAudienceDef['audience'], bind: Bind): string {
  const parts: string[] = [];
  const customerTags = 'SELECT lower(btrim(t)) AS tag FROM unnest(c.tags) t';
  if (audience.tagsAny) {
    parts.push(
      `EXISTS (SELECT 1 FROM (${customerTags}) x WHERE x.tag = ANY (${bind(lowered(audience.tagsAny))}::text[]))`,
    );
  }
  if (audience.tagsAll) {
    const wanted = lowered(audience.tagsAll);
    parts.push(
      `(SELECT count(DISTINCT x.tag) FROM (${customerTags}) x WHERE x.tag = ANY (${bind(wanted)}::text[])) = ${wanted.length}`,
    );
  }
  if (audience.tagsNone) {
    parts.push(
      `NOT EXISTS (SELECT 1 FROM (${customerTags}) x WHERE x.tag = ANY (${bind(lowered(audience.tagsNone))}::text[]))`,
    );
  }
  if (audience.priorityIn) parts.push(`c.priority = ANY (${bind(audience.priorityIn)}::text[])`);
  if (audience.currencyIn) {
    parts.push(`${CURRENCY} = ANY (${bind(audience.currencyIn.map((x) => x.toUpperCase()))}::text[])`);
  }
  if (audience.customerIds) parts.push(`c.external_id = ANY (${bind(audience.customerIds)}::text[])`);
  if (audience.languageIn) {
    parts.push(
      `lower(coalesce(c.language, o.language)) = ANY (${bind(lowered(audience.languageIn))}::text[])`,
    );
  }
  if (audience.minOpenBalance !== undefined || audience.maxOpenBalance !== undefined) {
    const balance = `(SELECT coalesce(sum(i.open_balance), 0) FROM invoices i
        WHERE i.customer_id = c.id AND i.status = 'open' AND i.open_balance > 0 AND i.currency = ${CURRENCY})`;
    const scale = `power(10::numeric, ${exponentSql()})`;
    // min: balance ≥ ⌈threshold⌉ in minor units; max: balance ≤ ⌊threshold⌋ (as the planner).
    if (audience.minOpenBalance !== undefined) {
      parts.push(`${balance} >= ceil(${bind(audience.minOpenBalance)}::numeric * ${scale})`);
    }
    if (audience.maxOpenBalance !== undefined) {
      parts.push(`${balance} <= floor(${bind(audience.maxOpenBalance)}::numeric * ${scale})`);
    }
  }
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

/**
 * The condition "customer c is in dunning campaign `key`" (R1), or, with key null, "c is in no
 * dunning campaign". A campaign a person assigned to the customer (customers.campaign_key, when
 * it names a dunning campaign of the set) overrides the audience match. An unknown key matches
 * nobody.
 */
export function campaignMembershipSql(
  campaigns: CampaignAudienceDef[],
  key: string | null,
  bind: Bind,
): string {
  const dunning = campaigns
    .filter((campaign) => campaign.trigger === undefined)
    .sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = dunning.map((d) => d.key);
  // bound only when used: PostgreSQL refuses parameters a statement does not reference
  const noOverride = () =>
    keys.length ? `(c.campaign_key IS NULL OR NOT (c.campaign_key = ANY (${bind(keys)}::text[])))` : 'TRUE';
  if (key === null) {
    return dunning.length
      ? `(${noOverride()} AND NOT (${dunning.map((d) => audienceSql(d.audience, bind)).join(' OR ')}))`
      : 'TRUE';
  }
  const index = dunning.findIndex((d) => d.key === key);
  const target = dunning[index];
  if (!target) return 'FALSE';
  const before = dunning.slice(0, index).map((d) => audienceSql(d.audience, bind));
  const matched = before.length
    ? `(${audienceSql(target.audience, bind)} AND NOT (${before.join(' OR ')}))`
    : audienceSql(target.audience, bind);
  return `(c.campaign_key = ${bind(key)} OR (${noOverride()} AND ${matched}))`;
}
