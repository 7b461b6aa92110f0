/**
 * The customer list's filter and sort parameters, shared by GET /api/v1/customers (query
 * string), the bulk actions ("all customers matching this filter", JSON) and saved views (JSON).
 * One conversion to the ledger's CustomerFilter, which loads the active campaign definitions
 * only when the campaign filter asks for them.
 */
import { z } from 'zod';
import { loadActiveCampaigns } from '../campaigns/store.ts';
import type { CalendarDate } from '../ledger/dates.ts';
import { CUSTOMER_SORTS, type CustomerFilter, OVERDUE_BUCKETS } from '../ledger/read.ts';
import type { Queryable } from '../platform/db/index.ts';
import { CurrencyCode, QueryBool } from './schemas.ts';

const collector = z
  .union([z.literal('none'), z.coerce.number().int().min(1)], {
    error: 'must be a user id or "none"',
  })
  .meta({ description: 'The assigned collector’s user id, or "none" for unassigned customers' });

const common = {
  q: z.string().max(200).optional().meta({ description: 'Part of the name or external_id (any case)' }),
  tag: z.string().max(100).optional().meta({ description: 'Customers with this tag' }),
  currency: CurrencyCode.optional().meta({ description: 'Customers billed in this currency' }),
  priority: z.enum(['high', 'normal', 'low']).optional(),
  overdue_bucket: z.enum(OVERDUE_BUCKETS).optional().meta({
    description:
      'Days past due of the customer’s most overdue open invoice: current (open, nothing overdue), 1-30, 31-60, 61-90, 91+',
  }),
  collector: collector.optional(),
  campaign: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'The dunning campaign the customer is in now (R1): its key, or "none"' }),
  sort: z
    .enum(CUSTOMER_SORTS)
    .optional()
    .meta({
      description:
        'name (A→Z), open_balance or overdue (largest first, in the customer’s own currency), ' +
        'oldest_overdue_days (most overdue first), priority (high first). Default name.',
    }),
  order: z.enum(['asc', 'desc']).optional().meta({ description: 'Overrides the sort’s natural direction' }),
};

/** As a query string (GET /api/v1/customers, GET /api/v1/bulk/customers/count). */
export const CustomerFilterQuery = {
  ...common,
  paused: QueryBool.optional().meta({ description: 'true: dunning paused; false: not paused' }),
  overdue: QueryBool.optional().meta({ description: 'true: has an overdue invoice; false: has none' }),
  bounced: QueryBool.optional().meta({
    description: 'true: has a contact whose address bounced or complained; false: has none',
  }),
};

/** As JSON (bulk actions, saved views). */
export const CustomerFilterJson = z
  .object({
    ...common,
    collector: z
      .union([z.literal('none'), z.number().int().min(1)], { error: 'must be a user id or "none"' })
      .optional(),
    paused: z.boolean().optional(),
    overdue: z.boolean().optional(),
    bounced: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'CustomerFilter', description: 'The customer list’s filter and sort' });
export type CustomerFilterJson = z.infer<typeof CustomerFilterJson>;

type FilterInput = {
  q?: string | undefined;
  tag?: string | undefined;
  currency?: string | undefined;
  priority?: 'high' | 'normal' | 'low' | undefined;
  overdue_bucket?: (typeof OVERDUE_BUCKETS)[number] | undefined;
  collector?: number | 'none' | undefined;
  campaign?: string | undefined;
  sort?: (typeof CUSTOMER_SORTS)[number] | undefined;
  order?: 'asc' | 'desc' | undefined;
  paused?: boolean | undefined;
  overdue?: boolean | undefined;
  bounced?: boolean | undefined;
};

const NATURALLY_DESCENDING = new Set(['open_balance', 'overdue', 'oldest_overdue_days']);

export async function toCustomerFilter(
  db: Queryable,
  today: CalendarDate,
  input: FilterInput,
): Promise<Omit<CustomerFilter, 'limit' | 'cursor'>> {
  const sort = input.sort ?? 'name';
  const natural = NATURALLY_DESCENDING.has(sort) ? 'desc' : 'asc';
  let campaign: CustomerFilter['campaign'];
  if (input.campaign !== undefined) {
    const active = await loadActiveCampaigns(db);
    campaign = {
      key: input.campaign === 'none' ? null : input.campaign,
      campaigns: active?.campaigns ?? [],
    };
  }
  return {
    today,
    q: input.q?.trim() || undefined,
    tag: input.tag,
    currency: input.currency?.toUpperCase(),
    priority: input.priority,
    paused: input.paused,
    overdue: input.overdue,
    overdueBucket: input.overdue_bucket,
    collector: input.collector,
    bounced: input.bounced,
    campaign,
    sort,
    reverse: input.order !== undefined && input.order !== natural,
  };
}
