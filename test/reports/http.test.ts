// GET /api/v1/reports/aging and /metrics: the same §2.2 documents as the CLI, on every engine.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { agingReport, metricsReport } from '../../src/reports/index.ts';
import { describeEachEngine } from '../support/db.ts';
import { seedReportLedger } from './fixture.ts';

describeEachEngine('reports API', (db) => {
  let app: FastifyInstance;
  let auth: { authorization: string };

  before(async () => {
    await seedReportLedger(db());
    await db().execute(`UPDATE organisation SET time_zone = 'Pacific/Auckland'`);
    auth = { authorization: `Bearer ${(await createApiKey(db(), 'reports-test')).key}` };
    // 12:00 UTC on 2026-03-31 is 2026-04-01 in Auckland.
    app = await buildServer({ db: db(), clock: fixedClock('2026-03-31T12:00:00Z') });
  });

  after(async () => {
    await app?.close();
  });

  it('answers the aging document of the CLI', async () => {
    const res = await app.inject({ url: '/api/v1/reports/aging?as_of=2026-03-31', headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), await agingReport(db(), { asOf: '2026-03-31' }));
    assert.equal(res.json().currencies.EUR.total, '3000.00');
  });

  it('answers the metrics document with the period asked for, 90 days by default', async () => {
    const res = await app.inject({
      url: '/api/v1/reports/metrics?as_of=2026-03-31&period_days=30',
      headers: auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), await metricsReport(db(), { asOf: '2026-03-31', periodDays: 30 }));
    const byDefault = await app.inject({ url: '/api/v1/reports/metrics?as_of=2026-03-31', headers: auth });
    assert.equal(byDefault.json().period_days, 90);
    assert.equal(byDefault.json().currencies.EUR.dso, (300000 / 330000) * 90);
  });

  it('defaults as_of to today in the organisation time zone', async () => {
    const res = await app.inject({ url: '/api/v1/reports/aging', headers: auth });
    assert.equal(res.json().as_of, '2026-04-01');
    const metrics = await app.inject({ url: '/api/v1/reports/metrics', headers: auth });
    assert.equal(metrics.json().as_of, '2026-04-01');
  });

  it('refuses a bad as_of or period_days with 400 naming the parameter', async () => {
    for (const query of [
      'as_of=2026-02-30',
      'as_of=31.03.2026',
      'period_days=0',
      'period_days=1.5',
      'period_days=x',
    ]) {
      const res = await app.inject({ url: `/api/v1/reports/metrics?${query}`, headers: auth });
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.equal(res.json().error.code, 'validation_failed');
      assert.match(res.json().error.message, new RegExp(query.split('=')[0] ?? ''));
    }
  });

  it('needs an API key', async () => {
    const res = await app.inject({ url: '/api/v1/reports/aging' });
    assert.equal(res.statusCode, 401);
  });
});
