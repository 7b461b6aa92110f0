/**
 * Reading and saving the workspace's settings. Where each field lives:
 *
 * - organisation row columns: name, address, logo (logo_url), language, currency
 *   (default_currency), time_zone; `portal_branding`: primary_color, accent_color;
 *   `settings.portal`: link_days, partial_payments, promise_grace_days, dispute_reasons;
 *   `settings.bank`: account_holder, iban, bic, bank_name (the readers already use these:
 *   src/portal/settings.ts, the documents, the templates);
 * - the active campaign set: campaigns.max_emails_per_customer_per_week (saved by applying the
 *   active file again with the new value, src/campaigns/store.ts);
 * - the `settings` table, one row per field: everything else (smtp.*, dkim.*, imap.*,
 *   portal.public_url, payments.enabled and the Stripe keys, organisation.reply_domain).
 *
 * A save is one transaction: the fields set at deploy time are refused (they would be
 * overridden anyway), the section is checked as a whole after the change (an IMAP host needs a
 * user name; DKIM needs domain, selector and key together), and one timeline event records
 * which fields changed — never their values.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { applyCampaignFile, exportActiveCampaigns, loadActiveCampaigns } from '../campaigns/store.ts';
import { generateDkimKey } from '../messages/sender/dkim.ts';
import { recordEvent } from '../platform/audit.ts';
import { deploySettingSources } from '../platform/config.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import { lockedFields, SECRET_FIELDS, type Section, SectionInput, type SectionPatch } from './schema.ts';

export interface OrganisationRow {
  name: string;
  address: string;
  logo_url: string | null;
  language: string;
  default_currency: string;
  time_zone: string;
  portal_branding: Record<string, unknown> | null;
  settings: Record<string, unknown> | null;
}

export interface StoredSettings {
  /** rows of the settings table by key ('smtp.host'), secrets included */
  values: ReadonlyMap<string, unknown>;
  organisation: OrganisationRow;
  /** the active campaign set's weekly cap, or null when no campaigns were applied */
  maxEmailsPerCustomerPerWeek: number | null;
}

/** Where the deploy-time settings come from: the environment and the config file. */
export interface DeployContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processDeployContext = (): DeployContext => ({ env: process.env, cwd: process.cwd() });

/** A save refused because of one field: 422 with the field in `details`. */
export class SettingsFieldError extends UserError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`, [{ path: field, message: problem }]);
  }
}

const ORG_COLUMNS: Partial<Record<string, keyof OrganisationRow>> = {
  name: 'name',
  address: 'address',
  logo: 'logo_url',
  language: 'language',
  currency: 'default_currency',
  time_zone: 'time_zone',
};
const BRANDING = new Set(['primary_color', 'accent_color']);
const PORTAL_JSON = new Set(['link_days', 'partial_payments', 'promise_grace_days', 'dispute_reasons']);
const BANK_JSON = new Set(['account_holder', 'iban', 'bic', 'bank_name']);

/** Reads only the settings table (what the workers need on every round). */
export async function readSettingRows(q: Queryable): Promise<Map<string, unknown>> {
  const rows = await q.query<{ key: string; value: unknown }>('SELECT key, value FROM settings');
  return new Map(rows.map((r) => [r.key, r.value]));
}

export async function readStoredSettings(q: Queryable): Promise<StoredSettings> {
  const values = await readSettingRows(q);
  const [organisation] = await q.query<OrganisationRow & Record<string, unknown>>(
    `SELECT name, address, logo_url, language, default_currency, time_zone, portal_branding, settings
       FROM organisation WHERE id = 1`,
  );
  if (!organisation) throw new Error('the organisation row is missing; run the migrations');
  const [set] = await q.query<{ settings: Record<string, unknown> | null }>(
    'SELECT settings FROM campaign_sets WHERE active',
  );
  const cap = set?.settings?.maxEmailsPerCustomerPerWeek;
  return {
    values,
    organisation,
    maxEmailsPerCustomerPerWeek: set ? (typeof cap === 'number' ? cap : 2) : null,
  };
}

async function putRow(q: Queryable, key: string, value: unknown, secret: boolean, actor: string) {
  if (value === null || value === undefined) {
    await q.execute('DELETE FROM settings WHERE key = $1', [key]);
    return;
  }
  await q.execute(
    `INSERT INTO settings (key, value, secret, updated_by) VALUES ($1, $2::jsonb, $3, $4)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, secret = excluded.secret,
       updated_by = excluded.updated_by, updated_at = now()`,
    [key, JSON.stringify(value), secret, actor],
  );
}

/** Parses a section's input with its schema; the first problem names the field. */
export function parseSection<S extends Section>(section: S, input: unknown): SectionPatch<S> {
  const parsed = SectionInput[section].safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: [section, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    const first = details[0];
    throw new UserError(first ? `${first.path}: ${first.message}` : `${section}: invalid settings`, details);
  }
  return parsed.data as SectionPatch<S>;
}

function refuseLocked(section: Section, fields: string[], deploy: DeployContext): void {
  const locked = lockedFields(section, deploySettingSources(deploy.env, deploy.cwd), deploy.env);
  for (const field of fields) {
    const source = locked[field];
    if (source) {
      throw new SettingsFieldError(
        `${section}.${field}`,
        `is set at deploy time by ${source}; change it there (deploy-time settings win over the workspace)`,
      );
    }
  }
}

/** Cross-field rules, checked on the section as stored after the change. */
async function checkSection(q: Queryable, section: Section, deploy: DeployContext): Promise<void> {
  const values = await readSettingRows(q);
  const has = (field: string) => values.has(`${section}.${field}`);
  if (section === 'smtp' && has('password') && !has('username')) {
    throw new SettingsFieldError('smtp.username', 'is needed with a password');
  }
  if (section === 'smtp' && !has('host') && (has('username') || has('port'))) {
    throw new SettingsFieldError('smtp.host', 'is needed with a port or a user name');
  }
  if (section === 'imap' && has('host') && !has('username')) {
    throw new SettingsFieldError('imap.username', 'is needed to sign in to the IMAP server');
  }
  if (section === 'imap' && !has('host') && (has('username') || has('password') || has('port'))) {
    throw new SettingsFieldError('imap.host', 'is needed with a port, user name or password');
  }
  if (section === 'dkim') {
    const parts = ['domain', 'selector', 'private_key'].filter(has).length;
    if (parts !== 0 && parts !== 3) {
      throw new SettingsFieldError(
        'dkim',
        'needs domain, selector and private_key together (generate a key pair, or remove all three)',
      );
    }
  }
  if (section === 'payments' && values.get('payments.enabled') === true) {
    const envSet = lockedFields('payments', new Map(), deploy.env).stripe_secret_key !== undefined;
    if (!envSet) {
      for (const field of ['stripe_secret_key', 'stripe_webhook_secret']) {
        if (!has(field))
          throw new SettingsFieldError(`payments.${field}`, 'is needed to turn online payment on');
      }
    }
  }
}

/**
 * Saves a partial update of one section (fields left out keep their value; null removes an
 * optional value or secret). Returns the names of the fields that were written.
 */
export async function saveSection<S extends Section>(
  db: Db,
  section: S,
  input: unknown,
  actor: string,
  deploy: DeployContext = processDeployContext(),
): Promise<string[]> {
  const patch = parseSection(section, input) as Record<string, unknown>;
  const fields = Object.keys(patch).filter((f) => patch[f] !== undefined);
  refuseLocked(section, fields, deploy);
  if (fields.length === 0) return [];
  if (section === 'campaigns') {
    await saveCampaignDefaults(db, patch.max_emails_per_customer_per_week as number | undefined, actor);
    return fields;
  }
  await db.transaction(async (tx) => {
    const columns: string[] = [];
    const params: unknown[] = [];
    const json = { branding: {} as Record<string, unknown>, portal: {} as Record<string, unknown> };
    const bank: Record<string, unknown> = {};
    const removed = { branding: [] as string[], portal: [] as string[] };
    for (const field of fields) {
      const value = patch[field];
      const column = section === 'organisation' ? ORG_COLUMNS[field] : undefined;
      if (column) {
        params.push(value);
        columns.push(`${column} = $${params.length}`);
      } else if (section === 'organisation' && BRANDING.has(field)) {
        if (value === null) removed.branding.push(field);
        else json.branding[field] = value;
      } else if (section === 'portal' && PORTAL_JSON.has(field)) {
        if (value === null) removed.portal.push(field);
        else json.portal[field] = value;
      } else if (section === 'payments' && BANK_JSON.has(field)) {
        bank[field] = value;
      } else {
        await putRow(tx, `${section}.${field}`, value, SECRET_FIELDS[section].includes(field), actor);
      }
    }
    if (columns.length > 0) {
      await tx.execute(
        `UPDATE organisation SET ${columns.join(', ')}, updated_at = now() WHERE id = 1`,
        params,
      );
    }
    if (Object.keys(json.branding).length > 0 || removed.branding.length > 0) {
      await tx.execute(
        `UPDATE organisation SET portal_branding = (coalesce(portal_branding, '{}') || $1::jsonb) - $2::text[],
                updated_at = now() WHERE id = 1`,
        [JSON.stringify(json.branding), removed.branding],
      );
    }
    for (const [part, values, drop] of [
      ['portal', json.portal, removed.portal],
      ['bank', bank, []],
    ] as const) {
      if (Object.keys(values).length === 0 && drop.length === 0) continue;
      await tx.execute(
        `UPDATE organisation
            SET settings = jsonb_set(coalesce(settings, '{}'), ARRAY[$1::text],
                  (coalesce(settings -> $1::text, '{}') || $2::jsonb) - $3::text[]),
                updated_at = now()
          WHERE id = 1`,
        [part, JSON.stringify(values), [...drop]],
      );
    }
    await checkSection(tx, section, deploy);
    await recordEvent(tx, {
      actor,
      customerId: null,
      action: 'settings.updated',
      entity: 'settings',
      entityId: section,
      // which fields changed, never their values (secrets among them)
      data: { fields },
    });
  });
  return fields;
}

async function saveCampaignDefaults(db: Db, max: number | undefined, actor: string): Promise<void> {
  if (max === undefined) return;
  // the campaigns part's own functions: export the active file, change its settings block, apply
  const active = await loadActiveCampaigns(db);
  if (!active) {
    throw new SettingsFieldError(
      'campaigns.max_emails_per_customer_per_week',
      'no campaigns are active yet; apply a campaign file first ("dunwell campaigns apply FILE")',
    );
  }
  const file = parseYaml(await exportActiveCampaigns(db)) as { settings?: Record<string, unknown> };
  file.settings = { ...(file.settings ?? {}), max_emails_per_customer_per_week: max };
  await applyCampaignFile(db, { text: stringifyYaml(file), fileName: active.fileName, actor });
}

/**
 * Generates a DKIM key pair for `domain` and `selector`, stores the private key (a secret)
 * and returns the public half; the DNS record is derived from it (src/settings/view.ts).
 */
export async function generateDkim(
  db: Db,
  input: unknown,
  actor: string,
  deploy: DeployContext = processDeployContext(),
): Promise<{ domain: string; selector: string }> {
  const patch = parseSection('dkim', input);
  if (!patch.domain) throw new SettingsFieldError('dkim.domain', 'is needed to generate a key');
  if (!patch.selector) throw new SettingsFieldError('dkim.selector', 'is needed to generate a key');
  if (patch.private_key !== undefined) {
    throw new SettingsFieldError('dkim.private_key', 'is generated here; send only domain and selector');
  }
  const key = generateDkimKey();
  await saveSection(
    db,
    'dkim',
    { domain: patch.domain, selector: patch.selector, private_key: key.privateKeyPem },
    actor,
    deploy,
  );
  return { domain: patch.domain, selector: patch.selector };
}
