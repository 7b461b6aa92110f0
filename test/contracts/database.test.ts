// The database port contract: every engine returns the same JavaScript types, commits and
// rolls back the same way, bulk-loads CSV, serialises migrations and keeps balances in step.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listMigrations, migrate } from '../../src/platform/db/index.ts';
import { describeEachEngine } from '../support/db.ts';

describeEachEngine('database port', (db) => {
  it('returns int8 as number, numeric as string, date as YYYY-MM-DD, timestamptz as ISO UTC', async () => {
    const [row] = await db().query(
      `SELECT 9007199254740991::int8 AS big, 12.50::numeric AS num, '2024-02-29'::date AS d,
              '2024-03-01 10:00:00+02'::timestamptz AS ts, '{"a":1}'::jsonb AS j, NULL::date AS n`,
    );
    assert.deepEqual(row, {
      big: 9007199254740991,
      num: '12.50',
      d: '2024-02-29',
      ts: '2024-03-01T08:00:00.000Z',
      j: { a: 1 },
      n: null,
    });
  });

  it('refuses an int8 a double cannot hold exactly', async () => {
    await assert.rejects(db().query('SELECT 9007199254740993::int8 AS x'), /safe integer/);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db().exec('CREATE TABLE contract_t (v int)');
    await db().transaction(async (tx) => {
      await tx.execute('INSERT INTO contract_t VALUES ($1)', [1]);
    });
    await assert.rejects(
      db().transaction(async (tx) => {
        await tx.execute('INSERT INTO contract_t VALUES ($1)', [2]);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await db().query('SELECT v FROM contract_t ORDER BY v'), [{ v: 1 }]);
  });

  it('bulk-loads CSV with quotes, commas and newlines inside a transaction', async () => {
    await db().exec('CREATE TABLE contract_copy (a int, b text)');
    await db().transaction(async (tx) => {
      await tx.copyCsv('contract_copy (a, b)', '1,plain\n2,"with, comma"\n3,"line\nbreak ""q"""\n');
    });
    const rows = await db().query('SELECT a, b FROM contract_copy ORDER BY a');
    assert.deepEqual(rows, [
      { a: 1, b: 'plain' },
      { a: 2, b: 'with, comma' },
      { a: 3, b: 'line\nbreak "q"' },
    ]);
  });

  it('reports affected rows', async () => {
    await db().exec('CREATE TABLE contract_aff (v int); INSERT INTO contract_aff VALUES (1),(2),(3)');
    assert.equal(await db().execute('UPDATE contract_aff SET v = v + 1 WHERE v > $1', [1]), 2);
  });

  it('applies migrations once: a second run finds nothing to do', async () => {
    assert.deepEqual(await migrate(db()), []);
    const [row] = await db().query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    assert.equal(row?.n, listMigrations().length);
  });

  it('keeps invoices.open_balance equal to amount minus applications', async () => {
    await db().exec(`INSERT INTO customers (external_id, name) VALUES ('C1', 'Acme')`);
    const [inv] = await db().query<{ id: number; open_balance: number }>(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       SELECT 'I1', id, 'I1', '2026-01-01', '2026-01-31', 'EUR', 10000 FROM customers RETURNING id, open_balance`,
    );
    assert.equal(inv?.open_balance, 10000);
    await db().execute(
      `INSERT INTO applications (invoice_id, kind, amount, date) VALUES ($1, 'adjustment', 4000, '2026-02-01')`,
      [inv?.id],
    );
    let [r] = await db().query('SELECT open_balance, settled_on FROM invoices WHERE id = $1', [inv?.id]);
    assert.deepEqual(r, { open_balance: 6000, settled_on: null });
    await db().execute(`UPDATE applications SET amount = 10000 WHERE invoice_id = $1`, [inv?.id]);
    [r] = await db().query('SELECT open_balance, settled_on FROM invoices WHERE id = $1', [inv?.id]);
    assert.deepEqual(r, { open_balance: 0, settled_on: '2026-02-01' });
    await db().execute(`UPDATE invoices SET amount = 12000 WHERE id = $1`, [inv?.id]);
    [r] = await db().query('SELECT open_balance, settled_on FROM invoices WHERE id = $1', [inv?.id]);
    assert.deepEqual(r, { open_balance: 2000, settled_on: null });
    await db().execute(`DELETE FROM applications WHERE invoice_id = $1`, [inv?.id]);
    [r] = await db().query('SELECT open_balance FROM invoices WHERE id = $1', [inv?.id]);
    assert.deepEqual(r, { open_balance: 12000 });
  });
});
