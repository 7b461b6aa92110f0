// The report cache (src/reports/cache.ts): a document is computed once per database snapshot
// and never served after anything was committed; the report routes use it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Queryable } from '../../src/platform/db/index.ts';
import { snapshotCache } from '../../src/reports/cache.ts';
import { trendReport } from '../../src/reports/dashboard.ts';
import { agingReport } from '../../src/reports/index.ts';
import { describeEachEngine } from '../support/db.ts';
import { seedReportLedger } from './fixture.ts';

/** A database whose revision stamp is whatever `stamp` says, to check the cache's own logic. */
function fakeDb(stamp: { ledger: string; activity?: string; writers?: string }): Queryable {
  const query = async <R>() => [{ activity: '1', writers: '', ...stamp }] as R[];
  return {
    query,
    execute: async () => 0,
    exec: async () => {},
    copyCsv: async () => {},
  } as unknown as Queryable;
}

describe('snapshotCache', () => {
  it('computes once per revision and afresh when a source moves or a writer commits', async () => {
    const stamp = { ledger: '7', activity: '3', writers: '101,103' };
    const cache = snapshotCache(fakeDb(stamp));
    let calls = 0;
    const value = () => cache.get('k', ['ledger'], async () => ++calls);
    assert.equal(await value(), 1);
    assert.equal(await value(), 1);
    stamp.activity = '4'; // not a source of this report
    assert.equal(await value(), 1);
    stamp.writers = '101'; // 103 committed
    assert.equal(await value(), 2);
    stamp.ledger = '8'; // a statement wrote the ledger
    assert.equal(await value(), 3);
    assert.equal(cache.computations, 3);
  });

  it('keeps keys apart, shares one computation between concurrent callers, keeps no failure', async () => {
    const cache = snapshotCache(fakeDb({ ledger: '7' }));
    let calls = 0;
    const slow = (value: string) => async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return value;
    };
    const [a, b, c] = await Promise.all([
      cache.get('a', ['ledger'], slow('A')),
      cache.get('a', ['ledger'], slow('A again')),
      cache.get('b', ['ledger'], slow('B')),
    ]);
    assert.deepEqual([a, b, c], ['A', 'A', 'B']);
    assert.equal(calls, 2);
    await assert.rejects(
      cache.get('broken', ['ledger'], async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await cache.get('broken', ['ledger'], async () => 'fine'), 'fine');
  });

  it('holds at most `entries` documents', async () => {
    const cache = snapshotCache(fakeDb({ ledger: '7' }), { entries: 2 });
    let calls = 0;
    for (const key of ['a', 'b', 'c', 'a']) await cache.get(key, ['ledger'], async () => ++calls);
    assert.equal(calls, 4, '"a" was dropped when "c" came in');
  });
});

describeEachEngine('report cache', (db) => {
  let app: FastifyInstance;
  let auth: { authorization: string };

  before(async () => {
    await seedReportLedger(db());
    auth = { authorization: `Bearer ${(await createApiKey(db(), 'cache-test')).key}` };
    app = await buildServer({ db: db(), clock: fixedClock('2026-03-31T12:00:00Z') });
  });

  after(async () => {
    await app?.close();
  });

  it('computes again after a commit to a table it reads, not after other writes', async () => {
    const cache = snapshotCache(db());
    let calls = 0;
    const sum = () =>
      cache.get('sum', ['ledger'], async () => {
        calls++;
        const [row] = await db().query<{ n: number }>(
          'SELECT coalesce(sum(amount), 0)::bigint AS n FROM invoices',
        );
        return row?.n ?? 0;
      });
    const first = await sum();
    await db().execute(`INSERT INTO customers (external_id, name) VALUES ('CACHE-1', 'Cache test')`);
    assert.equal(await sum(), first);
    assert.equal(calls, 1, 'a write to customers does not touch what the report reads');
    const [customer] = await db().query<{ id: number }>(
      `SELECT id FROM customers WHERE external_id = 'CACHE-1'`,
    );
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ('CACHE-0', $1, 'CACHE-0', '2026-03-01', '2026-03-10', 'EUR', 500)`,
      [customer?.id],
    );
    assert.equal(await sum(), first + 500, 'a commit to invoices is seen at once');
    assert.equal(calls, 2);
  });

  it('does not serve a document computed while a writer was still in progress', async () => {
    if (db().engine !== 'postgres') return; // PGlite runs one transaction at a time
    const cache = snapshotCache(db());
    const count = () =>
      cache.get('count', ['ledger'], async () => {
        const [row] = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM invoices');
        return row?.n ?? 0;
      });
    const [customer] = await db().query<{ id: number }>('SELECT id FROM customers ORDER BY id LIMIT 1');
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let written: () => void = () => {};
    const wrote = new Promise<void>((r) => {
      written = r;
    });
    const writer = db().transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
         VALUES ('CACHE-TX', $1, 'CACHE-TX', '2026-03-01', '2026-03-10', 'EUR', 700)`,
        [customer?.id],
      );
      written();
      await held; // the sequence has moved; the row is not visible yet
    });
    await wrote;
    const during = await count();
    release();
    await writer;
    assert.equal(await count(), during + 1, 'the committed row is counted');
  });

  it('the aging route answers the changed ledger right after a write', async () => {
    const url = '/api/v1/reports/aging?as_of=2026-03-31';
    const before = await app.inject({ url, headers: auth });
    assert.equal(before.statusCode, 200, before.body);
    assert.deepEqual(before.json(), await agingReport(db(), { asOf: '2026-03-31' }));
    const again = await app.inject({ url, headers: auth });
    assert.deepEqual(again.json(), before.json());

    const [customer] = await db().query<{ id: number }>('SELECT id FROM customers ORDER BY id LIMIT 1');
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ('CACHE-INV', $1, 'CACHE-INV', '2026-03-01', '2026-03-10', 'EUR', 12345)`,
      [customer?.id],
    );
    const after = await app.inject({ url, headers: auth });
    assert.equal(after.statusCode, 200, after.body);
    assert.deepEqual(after.json(), await agingReport(db(), { asOf: '2026-03-31' }));
    assert.notDeepEqual(after.json(), before.json(), 'the new invoice is in the answer');
  });

  it('the trend route answers the changed ledger right after a write', async () => {
    const url = '/api/v1/reports/trend?as_of=2026-03-31&period_days=30';
    const before = await app.inject({ url, headers: auth });
    assert.equal(before.statusCode, 200, before.body);
    const [customer] = await db().query<{ id: number }>('SELECT id FROM customers ORDER BY id LIMIT 1');
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ('CACHE-TREND', $1, 'CACHE-TREND', '2026-03-20', '2026-03-25', 'EUR', 99000)`,
      [customer?.id],
    );
    const after = await app.inject({ url, headers: auth });
    assert.equal(after.statusCode, 200, after.body);
    assert.deepEqual(after.json(), await trendReport(db(), { asOf: '2026-03-31', periodDays: 30 }));
    assert.notDeepEqual(after.json(), before.json(), 'the new invoice is in the answer');
  });
});
