import { z } from 'zod';
import { campaignJsonSchema } from '../../campaigns/definition.ts';
import {
  applyCampaignFile,
  exportActiveCampaigns,
  listCampaignSets,
  loadActiveCampaigns,
} from '../../campaigns/store.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody, Instant } from '../schemas.ts';

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
}
