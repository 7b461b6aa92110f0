// Campaign files in the database: apply is atomic (a bad file changes nothing and names the
// campaign, step and field), every apply keeps its text and versions, export round-trips.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH, parseCampaignFile } from '../../src/campaigns/definition.ts';
import {
  activePromiseGraceDays,
  applyCampaignFile,
  exportActiveCampaigns,
  listCampaignSets,
  loadActiveCampaigns,
} from '../../src/campaigns/store.ts';
import { UserError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';

const defaults = readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8');

const BAD = `
campaigns:
  - key: standard
    name: Standard
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: late, offset_days: "three", template: past-due }
`;

describeEachEngine('campaign store', (db) => {
  it('has nothing to export before a file is applied', async () => {
    assert.equal(await loadActiveCampaigns(db()), null);
    await assert.rejects(exportActiveCampaigns(db()), /no campaigns have been applied yet/);
    assert.equal(await activePromiseGraceDays(db()), 2);
  });

  it('applies the default file and records a version per campaign', async () => {
    const result = await applyCampaignFile(db(), {
      text: defaults,
      fileName: 'campaigns.yaml',
      actor: 'cli',
    });
    assert.deepEqual(
      result.campaigns.map((c) => c.key),
      ['key-accounts', 'standard', 'welcome', 'statement', 'promise-broken'],
    );
    const active = await loadActiveCampaigns(db());
    assert.equal(active!.setId, result.set_id);
    assert.deepEqual(
      active!.campaigns.map((c) => c.versionId),
      result.campaigns.map((c) => c.version_id),
    );
    const [stored] = await db().query<{ source_text: string }>(
      'SELECT source_text FROM campaign_sets WHERE active',
    );
    assert.equal(stored!.source_text, defaults);
    const events = await db().query<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_log WHERE action = 'campaigns.applied'`,
    );
    assert.deepEqual(events, [{ action: 'campaigns.applied', actor: 'cli' }]);
  });

  it('a bad file changes nothing, and the error names the campaign, step and field', async () => {
    const before = await loadActiveCampaigns(db());
    await assert.rejects(
      applyCampaignFile(db(), { text: BAD, fileName: 'bad.yaml', actor: 'cli' }),
      (err: unknown) =>
        err instanceof UserError &&
        /standard/.test(err.message) &&
        /late/.test(err.message) &&
        /offset_days/.test(err.message),
    );
    assert.deepEqual(await loadActiveCampaigns(db()), before);
    const [{ n } = { n: -1 }] = await db().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM campaign_sets',
    );
    assert.equal(n, 1);
  });

  it('export round-trips: applying the export gives the same definitions, as a new version', async () => {
    const before = await loadActiveCampaigns(db());
    const exported = await exportActiveCampaigns(db());
    const strip = (cs: { versionId?: number }[]) => cs.map(({ versionId: _v, ...c }) => c);
    assert.deepEqual(parseCampaignFile(exported, 'export.yaml').campaigns, strip(before!.campaigns));
    await applyCampaignFile(db(), { text: exported, fileName: 'export.yaml', actor: 'cli' });
    const after = await loadActiveCampaigns(db());
    assert.deepEqual(strip(after!.campaigns), strip(before!.campaigns));
    assert.deepEqual(after!.settings, before!.settings);
    assert.notEqual(after!.setId, before!.setId);
    assert.equal(await exportActiveCampaigns(db()), exported);
    // History: both files kept, only the newest active; old versions are kept for old firings.
    const sets = await listCampaignSets(db());
    assert.deepEqual(
      sets.map((s) => [s.file, s.active]),
      [
        ['export.yaml', true],
        ['campaigns.yaml', false],
      ],
    );
    const [{ n } = { n: -1 }] = await db().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM campaign_versions',
    );
    assert.equal(n, 10);
  });

  it('a new promise gets the largest grace of the active dunning campaigns', async () => {
    const text = `
campaigns:
  - key: a
    name: A
    priority: 1
    promise_grace_days: 4
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: b
    name: B
    promise_grace_days: 1
    steps: [ { key: due, offset_days: 0, template: due-today } ]
`;
    await applyCampaignFile(db(), { text, fileName: 'grace.yaml', actor: 'cli' });
    assert.equal(await activePromiseGraceDays(db()), 4);
  });
});
