/**
 * Message templates over the API (issue 4 item 1, issue 7 item 6): list, read, save (a new
 * version; one that fails to parse or uses an unknown variable is refused with line and
 * column in `details`), and preview a draft against a real customer without saving it.
 */
import { z } from 'zod';
import { isCalendarDate } from '../../ledger/dates.ts';
import { loadDefaultTemplates } from '../../messages/defaults/templates/index.ts';
import {
  buildVariables,
  getTemplate,
  listTemplates,
  loadVariableInput,
  renderMessage,
  saveTemplates,
  TemplateError,
  TemplateValidationError,
  validateTemplate,
} from '../../messages/templates/index.ts';
import { loadConfig } from '../../platform/config.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import { templateUrls } from '../../portal/links.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody } from '../schemas.ts';

const KeyParams = z.object({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'a template key such as past-due' }),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Z][A-Za-z0-9]{1,7})?$/, { error: 'a language such as en or de' }),
});

const Source = z.object({
  subject: z.string().max(1000),
  format: z.enum(['mjml', 'html']),
  body: z.string().max(500_000),
  text: z.string().max(200_000).nullable().default(null),
});

const TemplateSchema = z
  .object({
    key: z.string(),
    language: z.string(),
    subject: z.string(),
    format: z.enum(['mjml', 'html']),
    body: z.string(),
    text: z.string().nullable(),
    version: z.number().int().meta({ description: '0 for a shipped default never saved' }),
    origin: z.enum(['database', 'default']),
    updated_by: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'Template' });

const SummarySchema = TemplateSchema.pick({
  key: true,
  language: true,
  version: true,
  origin: true,
  updated_at: true,
}).meta({ id: 'TemplateSummary' });

export default async function templates(app: ApiApp, deps: AppDeps): Promise<void> {
  /** Saved templates, and the shipped defaults for keys never saved. */
  async function effective() {
    const saved = await listTemplates(deps.db);
    const savedKeys = new Set(saved.map((t) => t.key));
    return [
      ...saved.map((t) => ({
        key: t.key,
        language: t.language,
        subject: t.subject,
        format: t.format,
        body: t.body,
        text: t.text,
        version: t.version,
        origin: 'database' as const,
        updated_by: t.updatedBy,
        updated_at: t.updatedAt,
      })),
      ...loadDefaultTemplates()
        .filter((t) => !savedKeys.has(t.key))
        .map((t) => ({ ...t, version: 0, origin: 'default' as const, updated_by: null, updated_at: null })),
    ].sort((a, b) => a.key.localeCompare(b.key) || a.language.localeCompare(b.language));
  }

  app.get(
    '/api/v1/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'List message templates',
        description:
          'One entry per key and language: saved templates, and shipped defaults for keys never saved.',
        response: { 200: z.object({ items: z.array(SummarySchema) }) },
      },
    },
    async () => ({
      items: (await effective()).map(({ key, language, version, origin, updated_at }) => ({
        key,
        language,
        version,
        origin,
        updated_at,
      })),
    }),
  );

  app.get(
    '/api/v1/templates/:key/:language',
    {
      schema: {
        tags: ['templates'],
        summary: 'Get a template',
        params: KeyParams,
        response: { 200: TemplateSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { key, language } = request.params;
      const found = (await effective()).find((t) => t.key === key && t.language === language);
      if (!found) throw new NotFoundError(`there is no "${key}" template in language "${language}"`);
      return found;
    },
  );

  app.put(
    '/api/v1/templates/:key/:language',
    {
      schema: {
        tags: ['templates'],
        summary: 'Save a template (a new version)',
        description:
          'Validated first: Liquid that does not parse, an unknown variable or filter, or MJML that does not ' +
          'compile is refused with 422 and `details` listing each problem with part, line and column. ' +
          'Saving the same content again changes nothing.',
        params: KeyParams,
        body: Source,
        response: { 200: TemplateSchema, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { key, language } = request.params;
      await saveTemplates(deps.db, [{ key, language, ...request.body }], request.actor);
      const saved = await getTemplate(deps.db, key, language);
      if (!saved) throw new Error('saved template not found');
      return {
        key,
        language,
        subject: saved.subject,
        format: saved.format,
        body: saved.body,
        text: saved.text,
        version: saved.version,
        origin: 'database' as const,
        updated_by: saved.updatedBy,
        updated_at: saved.updatedAt,
      };
    },
  );

  app.post(
    '/api/v1/templates/:key/:language/preview',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['templates'],
        summary: 'Render a template (or an unsaved draft) for a customer',
        description:
          'Renders the saved template, or the draft in `source`, with the customer’s real data as of `date` ' +
          '(default today). Nothing is saved or sent. A draft with problems answers 422 with each problem’s ' +
          'part, line and column in `details`.',
        params: KeyParams,
        body: z.object({
          customer: z.string().min(1).max(200).meta({ description: 'Customer external_id' }),
          date: CalendarDateSchema.optional(),
          source: Source.optional(),
        }),
        response: {
          200: z.object({ subject: z.string(), html: z.string(), text: z.string() }),
          400: ErrorBody,
          404: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const { key, language } = request.params;
      const date = request.body.date ?? (await deps.today());
      if (!isCalendarDate(date)) throw new UserError(`date "${date}" is not a date`);
      let template: Parameters<typeof renderMessage>[0];
      if (request.body.source) {
        const draft = { key, language, ...request.body.source };
        const problems = await validateTemplate(draft);
        if (problems.length > 0) throw new TemplateValidationError(problems);
        template = { ...draft, version: 0 };
      } else {
        const found = (await effective()).find((t) => t.key === key && t.language === language);
        if (!found) throw new NotFoundError(`there is no "${key}" template in language "${language}"`);
        template = found;
      }
      const urls = await templateUrls(deps.db, {
        customerExternalId: request.body.customer,
        now: deps.clock.now(),
      });
      const loaded = await loadVariableInput(deps.db, request.body.customer, {
        date,
        step: { key: 'preview', campaign: 'preview', template: key },
        publicUrl: loadConfig().publicUrl,
        ...(urls ? { urls } : {}),
      });
      try {
        return await renderMessage(template, buildVariables(loaded.input));
      } catch (err) {
        if (err instanceof TemplateError) throw new UserError(`${key}.${language} ${err.message}`);
        throw err;
      }
    },
  );
}
