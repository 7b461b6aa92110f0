/**
 * Stored campaign definitions. Applying a file parses and validates it completely first
 * (a bad file throws a UserError naming campaign, step and field, and changes nothing), then
 * in one transaction retires the active set and inserts the new one: the file's text, its
 * settings and one version row per campaign. Firings, messages and tasks record the version
 * that produced them, so history says which rules fired what.
 */
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import {
  BUILT_IN_DEFAULTS,
  type CampaignFile,
  type CampaignFileSettings,
  exportCampaignFile,
  parseCampaignFile,
} from './definition.ts';
import type { CampaignDefinition } from './planner/types.ts';

export interface ActiveCampaigns {
  setId: number;
  fileName: string;
  appliedAt: string;
  appliedBy: string;
  settings: CampaignFileSettings;
  /** In file order, each with its `versionId`. */
  campaigns: CampaignDefinition[];
}

export interface ApplyResult {
  set_id: number;
  file: string;
  campaigns: { key: string; version_id: number; trigger: string | null; steps: number }[];
}

/** Parses `text` and makes it the active campaign set (atomically). */
export async function applyCampaignFile(
  db: Db,
  input: { text: string; fileName: string; actor: string },
): Promise<ApplyResult> {
  const parsed: CampaignFile = parseCampaignFile(input.text, input.fileName);
  return db.transaction(async (tx) => {
    // Two applies at once: the second waits here and then replaces the first cleanly.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['dunwell.campaigns.apply']);
    await tx.execute('UPDATE campaign_versions SET active = false WHERE active');
    await tx.execute('UPDATE campaign_sets SET active = false WHERE active');
    const [set] = await tx.query<{ id: number }>(
      `INSERT INTO campaign_sets (file_name, source_text, settings, applied_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [input.fileName, input.text, JSON.stringify(parsed.settings), input.actor],
    );
    const setId = set!.id;
    const versions = await tx.query<{ id: number; campaign_key: string }>(
      `INSERT INTO campaign_versions (set_id, campaign_key, position, definition)
       SELECT $1, v.key, v.position, v.definition
         FROM jsonb_to_recordset($2::jsonb) AS v(key text, position int, definition jsonb)
       RETURNING id, campaign_key`,
      [
        setId,
        JSON.stringify(parsed.campaigns.map((c, position) => ({ key: c.key, position, definition: c }))),
      ],
    );
    const idByKey = new Map(versions.map((v) => [v.campaign_key, v.id]));
    const result: ApplyResult = {
      set_id: setId,
      file: input.fileName,
      campaigns: parsed.campaigns.map((c) => ({
        key: c.key,
        version_id: idByKey.get(c.key)!,
        trigger: c.trigger ?? null,
        steps: c.steps.length,
      })),
    };
    await recordEvent(tx, {
      actor: input.actor,
      customerId: null,
      action: 'campaigns.applied',
      entity: 'campaign_set',
      entityId: setId,
      data: { file: input.fileName, campaigns: result.campaigns },
    });
    return result;
  });
}

/** The active campaign set, or null when none was ever applied. */
export async function loadActiveCampaigns(q: Queryable): Promise<ActiveCampaigns | null> {
  const [set] = await q.query<{
    id: number;
    file_name: string;
    applied_at: string;
    applied_by: string;
    settings: Partial<CampaignFileSettings>;
  }>('SELECT id, file_name, applied_at, applied_by, settings FROM campaign_sets WHERE active');
  if (!set) return null;
  const versions = await q.query<{ id: number; definition: CampaignDefinition }>(
    'SELECT id, definition FROM campaign_versions WHERE set_id = $1 ORDER BY position',
    [set.id],
  );
  return {
    setId: set.id,
    fileName: set.file_name,
    appliedAt: set.applied_at,
    appliedBy: set.applied_by,
    settings: {
      maxEmailsPerCustomerPerWeek:
        set.settings.maxEmailsPerCustomerPerWeek ?? BUILT_IN_DEFAULTS.maxEmailsPerCustomerPerWeek,
    },
    campaigns: versions.map((v) => ({ ...v.definition, versionId: v.id })),
  };
}

/** The active definitions as a campaign file that applies back to the same values. */
export async function exportActiveCampaigns(q: Queryable): Promise<string> {
  const active = await loadActiveCampaigns(q);
  if (!active) {
    throw new UserError(
      'no campaigns have been applied yet; load a file with "dunwell campaigns apply FILE"',
    );
  }
  return exportCampaignFile(
    active.campaigns.map(({ versionId: _v, ...c }) => c),
    active.settings,
  );
}

/**
 * The grace a new promise gets: the largest `promise_grace_days` among the active dunning
 * campaigns (a promise should not be called broken earlier than any campaign would allow),
 * else the built-in default.
 */
export async function activePromiseGraceDays(q: Queryable): Promise<number> {
  const active = await loadActiveCampaigns(q);
  const dunning = active?.campaigns.filter((c) => !c.trigger) ?? [];
  if (dunning.length === 0) return BUILT_IN_DEFAULTS.promiseGraceDays;
  return Math.max(...dunning.map((c) => c.promiseGraceDays));
}

export interface CampaignSetView {
  id: number;
  file: string;
  active: boolean;
  applied_at: string;
  applied_by: string;
  campaigns: { key: string; version_id: number }[];
}

/** Every applied campaign file, newest first, with its versions. */
export async function listCampaignSets(q: Queryable, limit = 50): Promise<CampaignSetView[]> {
  const rows = await q.query<{
    id: number;
    file_name: string;
    active: boolean;
    applied_at: string;
    applied_by: string;
    campaigns: { key: string; version_id: number }[] | null;
  }>(
    `SELECT s.id, s.file_name, s.active, s.applied_at, s.applied_by,
            (SELECT jsonb_agg(jsonb_build_object('key', v.campaign_key, 'version_id', v.id) ORDER BY v.position)
               FROM campaign_versions v WHERE v.set_id = s.id) AS campaigns
       FROM campaign_sets s ORDER BY s.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    file: r.file_name,
    active: r.active,
    applied_at: r.applied_at,
    applied_by: r.applied_by,
    campaigns: r.campaigns ?? [],
  }));
}
