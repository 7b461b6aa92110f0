// `dunwell report aging|metrics` end to end: the real binary on a fresh embedded store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/index.ts';
import { seedDataDir } from '../support/db.ts';
import { seedReportLedger } from './fixture.ts';

const BIN = new URL('../../bin/dunwell', import.meta.url).pathname;

function dunwell(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DUNWELL_DB: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dunwell report (CLI)', () => {
  let dir = '';
  let store = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dunwell-report-'));
    store = join(dir, 'store');
    await seedDataDir(store);
    const db = await openDatabase(store);
    try {
      await seedReportLedger(db);
      await db.execute(`UPDATE organisation SET time_zone = 'Pacific/Auckland'`);
    } finally {
      await db.close();
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the metrics document with --json and exits 0', () => {
    const { code, stdout, stderr } = dunwell([
      'report',
      'metrics',
      '--as-of',
      '2026-03-31',
      '--period-days',
      '90',
      '--json',
      '--db',
      store,
    ]);
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout) as {
      as_of: string;
      period_days: number;
      currencies: Record<string, Record<string, unknown>>;
    };
    assert.equal(doc.as_of, '2026-03-31');
    assert.equal(doc.period_days, 90);
    assert.deepEqual(Object.keys(doc.currencies), ['EUR', 'JPY', 'USD']);
    assert.deepEqual(Object.keys(doc.currencies.EUR ?? {}), [
      'ar',
      'current_ar',
      'beginning_ar',
      'credit_sales',
      'dso',
      'countback_dso',
      'best_possible_dso',
      'add',
      'cei',
      'avg_days_to_pay',
      'avg_days_late',
    ]);
    assert.equal(doc.currencies.EUR?.ar, '3000.00');
    assert.equal(doc.currencies.EUR?.dso, (300000 / 330000) * 90);
  });

  it('prints the aging document with --json', () => {
    const { code, stdout, stderr } = dunwell([
      'report',
      'aging',
      '--json',
      '--as-of',
      '2026-03-31',
      '--db',
      store,
    ]);
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout) as { as_of: string; currencies: Record<string, Record<string, string>> };
    assert.deepEqual(Object.keys(doc), ['as_of', 'currencies']);
    assert.deepEqual(doc.currencies.EUR, {
      current: '900.00',
      '1-30': '0.00',
      '31-60': '1500.00',
      '61-90': '500.00',
      '91+': '100.00',
      total: '3000.00',
    });
  });

  it('defaults --as-of to today in the organisation time zone', () => {
    // 12:00 UTC on 2026-03-31 is already 2026-04-01 in Auckland (UTC+13).
    const { code, stdout, stderr } = dunwell(['report', 'aging', '--json', '--db', store], {
      DUNWELL_NOW: '2026-03-31T12:00:00Z',
    });
    assert.equal(code, 0, stderr);
    assert.equal((JSON.parse(stdout) as { as_of: string }).as_of, '2026-04-01');
  });

  it('shows each metric with its formula in words', () => {
    const { code, stdout, stderr } = dunwell(['report', 'metrics', '--as-of', '2026-03-31', '--db', store]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /AR metrics as of 2026-03-31, period 90 days \(2026-01-01 to 2026-03-31\)/);
    assert.match(stdout, /DSO\s+81\.8 days\s+= AR \/ credit sales × 90/);
    assert.match(stdout, /CEI\s+41\.7 %/);
  });

  it('refuses a bad --as-of, a bad --period-days and an unknown report with exit 2', () => {
    const badDate = dunwell(['report', 'metrics', '--as-of', '31/03/2026', '--json', '--db', store]);
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /--as-of "31\/03\/2026" is not a date; write it as YYYY-MM-DD/);
    assert.equal(badDate.stdout, '');

    const badPeriod = dunwell(['report', 'metrics', '--period-days', '-5', '--db', store]);
    assert.equal(badPeriod.code, 2);
    assert.match(badPeriod.stderr, /--period-days/);

    const unknown = dunwell(['report', 'forecast', '--db', store]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown report "forecast"; available: aging, metrics, campaigns/);
  });
});
