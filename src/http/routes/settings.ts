/**
 * Settings over the API (issue 7 item 7; docs/settings.md): read every section, save one
 * section (a partial update), send a test message, generate a DKIM key. Admins only, reads
 * included: the answer shows how mail is configured. Secrets are write-only — the answer says
 * `{ "set": true }` — and fields set at deploy time (environment or config file) are listed in
 * `environment` with where they came from, and refused on save.
 */
import { z } from 'zod';
import { deploySettingSources } from '../../platform/config.ts';
import { UserError } from '../../platform/errors.ts';
import {
  effectiveSettings,
  generateDkim,
  processDeployContext,
  readStoredSettings,
  SECTIONS,
  type Section,
  SectionInput,
  saveSection,
  sendTestMail,
  settingsView,
} from '../../settings/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody } from '../schemas.ts';

const Secret = z
  .object({ set: z.boolean() })
  .meta({ id: 'SecretState', description: 'write-only: never the value' });
const Environment = z.record(z.string(), z.string()).meta({
  description: 'fields set at deploy time (read-only here), each with the variable or file key that set it',
});
const DkimRecord = z.object({ name: z.string(), value: z.string(), zone_line: z.string() });

const section = <T extends z.ZodRawShape>(values: T) =>
  z.object({ values: z.object(values), environment: Environment });

const SettingsSchema = z
  .object({
    organisation: section({
      name: z.string(),
      address: z.string(),
      logo: z.string().nullable(),
      language: z.string(),
      currency: z.string(),
      time_zone: z.string(),
      reply_domain: z.string().nullable(),
      primary_color: z.string().nullable(),
      accent_color: z.string().nullable(),
    }),
    smtp: section({
      transport: z.enum(['smtp', 'catcher']),
      host: z.string().nullable(),
      port: z.number().nullable(),
      security: z.enum(['starttls', 'tls']),
      username: z.string().nullable(),
      password: Secret,
      from: z.string().nullable(),
      rate_limit_per_domain: z.number(),
    }),
    dkim: section({
      domain: z.string().nullable(),
      selector: z.string().nullable(),
      private_key: Secret,
      dns: DkimRecord.nullable(),
    }),
    imap: section({
      host: z.string().nullable(),
      port: z.number().nullable(),
      security: z.enum(['tls', 'starttls']),
      username: z.string().nullable(),
      password: Secret,
      mailbox: z.string(),
    }),
    portal: section({
      public_url: z.string(),
      link_days: z.number(),
      partial_payments: z.boolean(),
      promise_grace_days: z.number(),
      dispute_reasons: z.array(z.string()).nullable(),
    }),
    payments: section({
      enabled: z.boolean(),
      stripe_secret_key: Secret,
      stripe_webhook_secret: Secret,
      account_holder: z.string(),
      iban: z.string(),
      bic: z.string(),
      bank_name: z.string(),
    }),
    campaigns: section({ max_emails_per_customer_per_week: z.number().nullable() }),
  })
  .meta({ id: 'Settings' });

const SECTION_HELP: Record<Section, string> = {
  organisation:
    'Name, address, logo (a PNG or JPEG data: URL, at most 200 KiB), default language, currency, time zone, ' +
    'the reply domain of Reply-To addresses, and the brand colours the portal uses.',
  smtp:
    'The SMTP server (host, port, security starttls|tls, user name, password — write-only), the From header and ' +
    'the per-domain rate limit. No host = the built-in mail catcher.',
  dkim: 'DKIM signing: domain, selector and private key (write-only; generate one with POST /api/v1/settings/dkim/generate).',
  imap: 'The mailbox polled for replies and bounces: host, port, security tls|starttls, user name, password (write-only), mailbox.',
  portal:
    'The public URL of portal links, how long a link stays valid, whether customers may pay part of an invoice, ' +
    'the grace days after a promised date, and the dispute reasons offered (null = the translated defaults).',
  payments:
    'Online payment by Stripe Checkout on the portal (on/off, secret key and webhook signing secret, both write-only) ' +
    'and the bank-transfer details the portal and PDFs show.',
  campaigns: 'Defaults across campaigns: the weekly cap of dunning emails per customer (rule R5).',
};

export default async function settings(app: ApiApp, deps: AppDeps): Promise<void> {
  const admin = { minRole: 'admin' as const };

  async function answer() {
    const deploy = processDeployContext();
    const [stored, effective] = await Promise.all([
      readStoredSettings(deps.db),
      effectiveSettings(deps.db, deploy),
    ]);
    return settingsView({
      stored,
      config: effective.config,
      stripe: effective.stripe,
      deploy: deploySettingSources(deploy.env, deploy.cwd),
      env: deploy.env,
    });
  }

  app.get(
    '/api/v1/settings',
    {
      config: admin,
      schema: {
        tags: ['settings'],
        summary: 'Read the settings',
        description:
          'Every section with its effective values (deploy-time settings, then the saved ones, then defaults). ' +
          'Secrets answer `{ "set": true|false }` only. Admins only.',
        response: { 200: SettingsSchema },
      },
    },
    async () => answer(),
  );

  for (const name of SECTIONS) {
    app.put(
      `/api/v1/settings/${name}`,
      {
        config: admin,
        schema: {
          tags: ['settings'],
          summary: `Save the ${name} settings`,
          description:
            `${SECTION_HELP[name]} A partial update: fields left out keep their value, null removes a value or a ` +
            'secret. A field set at deploy time is refused with 422 naming it. Answers with all the settings.',
          body: SectionInput[name],
          response: { 200: SettingsSchema, 400: ErrorBody, 422: ErrorBody },
        },
      },
      async (request) => {
        await saveSection(deps.db, name, request.body, request.actor);
        return answer();
      },
    );
  }

  app.post(
    '/api/v1/settings/smtp/test',
    {
      config: admin,
      schema: {
        tags: ['settings'],
        summary: 'Send a test message',
        description:
          'Sends one message now through the configured SMTP server (or the built-in catcher when none is), to ' +
          "`to` or else the signed-in admin. Answers `ok` and the server's exact answer; a refusal is `ok: false` " +
          'with the refusal. At most 5 per caller in 10 minutes (429 after).',
        body: z.object({ to: z.string().max(254).optional() }).optional(),
        response: {
          200: z.object({
            ok: z.boolean(),
            transport: z.enum(['smtp', 'catcher']),
            to: z.string(),
            message_id: z.string(),
            response: z.string(),
          }),
          400: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request) => {
      const to = request.body?.to?.trim() || request.user?.email;
      if (!to) throw new UserError('to: give the address to send the test message to (an API key has none)');
      const { config } = await effectiveSettings(deps.db);
      return sendTestMail(deps.db, { to, actor: request.actor, now: deps.clock.now(), config });
    },
  );

  app.post(
    '/api/v1/settings/dkim/generate',
    {
      config: admin,
      schema: {
        tags: ['settings'],
        summary: 'Generate a DKIM key pair',
        description:
          'Makes an RSA 2048 key pair for `domain` and `selector`, stores the private key (write-only) and answers ' +
          'with all the settings; `dkim.values.dns` is the TXT record to publish. Replaces an earlier key.',
        body: z.object({ domain: z.string().max(253), selector: z.string().max(63) }),
        response: { 200: SettingsSchema, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      await generateDkim(deps.db, request.body, request.actor);
      return answer();
    },
  );
}
