import { z } from 'zod';
import { campaignJsonSchema, inspectCampaignFile } from '../../campaigns/definition.ts';
import {
  activeCampaignFileJson,
  campaignCalendar,
  MAX_PREVIEW_DAYS,
  previewCampaignDraft,
} from '../../campaigns/preview.ts';
import {
  applyCampaignFile,
  exportActiveCampaigns,
  listCampaignSets,
  loadActiveCampaigns,
} from '../../campaigns/store.ts';
import { formatAmount, normaliseCurrency, parseAmount } from '../../ledger/money.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { FieldError } from '../errors.ts';
import { CalendarDateSchema, CurrencyCode, ErrorBody, Instant, Money } from '../schemas.ts';

const ActiveSchema = z
  .object({
    set_id: z.number().int(),
    file: z.string(),
    applied_at: Instant,
    applied_by: z.string(),
    settings: z.object({ max_emails_per_customer_per_week: z.number().int() }),
    campaigns: z.array(
      z.object({
        key: z.string(),
        name: z.string(),
        version_id: z.number().int(),
        trigger: z.string().nullable(),
        priority: z.number(),
        steps: z.array(
          z.object({ key: z.string(), offset_days: z.number().int(), action: z.enum(['email', 'task']) }),
        ),
      }),
    ),
    source: z.string().meta({
      description: 'The active definitions as a campaign file (YAML), as `campaigns export` prints',
    }),
  })
  .meta({ id: 'ActiveCampaigns' });

const ApplyResultSchema = z.object({
  set_id: z.number().int(),
  file: z.string(),
  campaigns: z.array(
    z.object({
      key: z.string(),
      version_id: z.number().int(),
      trigger: z.string().nullable(),
      steps: z.number().int(),
    }),
  ),
});

/**
 * A draft campaign file, as the editor sends it: the file's JSON form (`file`, what the form
 * edits) or its text (`text`, YAML or JSON, what a file editor holds). Exactly one.
 */
const DraftFields = {
  file: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'The draft as a campaign file in its JSON form' }),
  text: z
    .string()
    .max(1_000_000)
    .optional()
    .meta({ description: 'The draft as campaign file text (YAML or JSON)' }),
};

function draftText(body: { file?: Record<string, unknown> | undefined; text?: string | undefined }): {
  text: string;
  fileName: string;
} {
  if ((body.file === undefined) === (body.text === undefined)) {
    throw new FieldError('body', 'must have exactly one of "file" (JSON form) or "text" (YAML or JSON text)');
  }
  return body.text !== undefined
    ? { text: body.text, fileName: 'draft' }
    : { text: JSON.stringify(body.file, null, 2), fileName: 'draft.json' };
}

const ProblemSchema = z.object({
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
});

const Change = z.object({
  change: z.enum(['added', 'removed', 'moved', 'template_changed']),
  customer: z.string().meta({ description: 'Customer external id' }),
  invoice: z.string().nullable().meta({ description: 'Invoice number; null for customer-level slots' }),
  campaign: z.string(),
  step: z.string(),
  action: z.enum(['email', 'task']),
  date_before: CalendarDateSchema.nullable(),
  date_after: CalendarDateSchema.nullable(),
  template_before: z.string().nullable(),
  template_after: z.string().nullable(),
});

const PreviewSchema = z
  .object({
    from: CalendarDateSchema,
    days: z.number().int(),
    counts: z.object({
      added: z.number().int(),
      removed: z.number().int(),
      moved: z.number().int(),
      template_changed: z.number().int(),
      unchanged: z.number().int(),
      customers: z.number().int().meta({ description: 'Customers with at least one change' }),
    }),
    messages_before: z.number().int(),
    messages_after: z.number().int(),
    changes: z.array(Change),
    truncated: z.boolean().meta({ description: 'More changes than listed (the counts cover all)' }),
  })
  .meta({ id: 'CampaignPreview' });

const CalendarStepSchema = z.object({
  step: z.string(),
  occurrence: z.number().int(),
  offset_days: z.number().int(),
  due_on: CalendarDateSchema,
  date: CalendarDateSchema.nullable(),
  outcome: z.enum(['fired', 'skipped', 'not_reached']),
  reason: z.enum(['superseded', 'too_late']).nullable(),
  action: z.enum(['email', 'task']),
  template: z.string().nullable(),
  task: z.string().nullable(),
});

const CalendarSchema = z
  .object({
    campaign: z.string(),
    sample: z.object({
      issue_date: CalendarDateSchema,
      due_date: CalendarDateSchema,
      amount: Money,
      currency: z.string(),
    }),
    arms: z.array(z.object({ arm: z.enum(['a', 'b']), steps: z.array(CalendarStepSchema) })),
  })
  .meta({ id: 'CampaignCalendar' });

export default async function campaigns(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'The active campaign definitions',
        description:
          'The active campaigns with the version id each firing records; 404 before any file was applied.',
        response: { 200: ActiveSchema, 404: ErrorBody },
      },
    },
    async () => {
      const active = await loadActiveCampaigns(deps.db);
      if (!active)
        throw new NotFoundError('no campaigns have been applied yet; PUT /api/v1/campaigns a campaign file');
      return {
        set_id: active.setId,
        file: active.fileName,
        applied_at: active.appliedAt,
        applied_by: active.appliedBy,
        settings: { max_emails_per_customer_per_week: active.settings.maxEmailsPerCustomerPerWeek },
        campaigns: active.campaigns.map((c) => ({
          key: c.key,
          name: c.name,
          version_id: c.versionId!,
          trigger: c.trigger ?? null,
          priority: c.priority,
          steps: c.steps.map((s) => ({ key: s.key, offset_days: s.offsetDays, action: s.action })),
        })),
        source: await exportActiveCampaigns(deps.db),
      };
    },
  );

  app.put(
    '/api/v1/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Apply a campaign file',
        description:
          'The body is a campaign file in its JSON form (see /api/v1/campaigns/schema). It replaces the active ' +
          'definitions as a whole; a file with an error changes nothing (422 naming campaign, step and field).',
        body: z.record(z.string(), z.unknown()),
        response: { 200: ApplyResultSchema, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      applyCampaignFile(deps.db, {
        text: JSON.stringify(request.body, null, 2),
        fileName: 'api.json',
        actor: request.actor,
      }),
  );

  app.get(
    '/api/v1/campaigns/schema',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'JSON Schema of campaign files',
        response: { 200: z.record(z.string(), z.unknown()) },
      },
    },
    async () => campaignJsonSchema(),
  );

  app.get(
    '/api/v1/campaigns/history',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Every applied campaign file, newest first',
        response: {
          200: z.array(
            z.object({
              id: z.number().int(),
              file: z.string(),
              active: z.boolean(),
              applied_at: Instant,
              applied_by: z.string(),
              campaigns: z.array(z.object({ key: z.string(), version_id: z.number().int() })),
            }),
          ),
        },
      },
    },
    async () => listCampaignSets(deps.db),
  );

  app.get(
    '/api/v1/campaigns/file',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'The active campaign file in its JSON form',
        description:
          'What the campaign editor starts from: the active definitions as a campaign file (every value ' +
          'written out), as JSON. PUT it back to /api/v1/campaigns to apply it. 404 before any file was applied.',
        response: { 200: z.record(z.string(), z.unknown()), 404: ErrorBody },
      },
    },
    async () => {
      const file = await activeCampaignFileJson(deps.db);
      if (!file)
        throw new NotFoundError('no campaigns have been applied yet; PUT /api/v1/campaigns a campaign file');
      return file;
    },
  );

  app.post(
    '/api/v1/campaigns/validate',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['campaigns'],
        summary: 'Check a draft campaign file without applying it',
        description:
          'Changes nothing (any signed-in role may call it). Lists every shape problem, or the first ' +
          'cross-field problem, each with the path of the value at fault and its line and column in the text ' +
          '(for `file`, in its JSON text with two-space indentation).',
        body: z.object(DraftFields),
        response: {
          200: z.object({ valid: z.boolean(), problems: z.array(ProblemSchema) }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const draft = draftText(request.body);
      const { problems } = inspectCampaignFile(draft.text, draft.fileName);
      return { valid: problems.length === 0, problems };
    },
  );

  app.post(
    '/api/v1/campaigns/preview',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['campaigns'],
        summary: 'What changes if this draft is applied: the forecast diff',
        description:
          'Forecasts the next `days` days (default 30) under the active campaigns and under the draft, as ' +
          '`dunwell forecast` does, and compares them slot by slot: messages and tasks added, removed, moved ' +
          'to another date, or sent with another template — per customer and invoice, with counts. Writes ' +
          'nothing. A draft with a problem answers 422 naming campaign, step and field.',
        body: z.object({
          ...DraftFields,
          from: CalendarDateSchema.optional().meta({ description: 'First day (default: today)' }),
          days: z.number().int().min(1).max(MAX_PREVIEW_DAYS).optional(),
        }),
        response: { 200: PreviewSchema, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const draft = draftText(request.body);
      return previewCampaignDraft(deps.db, {
        ...draft,
        from: request.body.from,
        days: request.body.days ?? 30,
        clock: deps.clock,
      });
    },
  );

  app.post(
    '/api/v1/campaigns/calendar',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['campaigns'],
        summary: "A sample invoice's calendar under one dunning campaign",
        description:
          'For an invoice with this issue date, due date and amount, the day each step of the campaign ' +
          'would fire (send_on days, holidays, catch-up and throttle rules applied as in a run), or why it ' +
          'would be skipped; per A/B arm when the campaign has A/B steps. Uses the draft when one is sent, ' +
          'else the active campaigns. Writes nothing.',
        body: z.object({
          ...DraftFields,
          campaign: z.string().min(1).max(64),
          issue_date: CalendarDateSchema,
          due_date: CalendarDateSchema,
          amount: Money.optional().meta({ description: 'Default "1000.00"' }),
          currency: CurrencyCode.optional().meta({ description: "Default: the organisation's" }),
        }),
        response: { 200: CalendarSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const body = request.body;
      const hasDraft = body.file !== undefined || body.text !== undefined;
      const draft = hasDraft ? draftText(body) : { text: undefined, fileName: 'active' };
      const [org] = await deps.db.query<{ default_currency: string }>(
        'SELECT default_currency FROM organisation WHERE id = 1',
      );
      const currency = normaliseCurrency(body.currency ?? org?.default_currency ?? 'EUR');
      if (!currency) throw new FieldError('currency', `"${body.currency}" is not an ISO 4217 currency code`);
      let amount: number;
      try {
        amount = parseAmount(body.amount ?? '1000', currency);
      } catch (error) {
        throw new FieldError('amount', error instanceof Error ? error.message : 'is not an amount');
      }
      if (amount <= 0) throw new FieldError('amount', 'must be more than zero');
      const calendar = await campaignCalendar(deps.db, {
        ...draft,
        campaignKey: body.campaign,
        sample: { issueDate: body.issue_date, dueDate: body.due_date, amount, currency },
      });
      return { ...calendar, sample: { ...calendar.sample, amount: formatAmount(amount, currency) } };
    },
  );
}
