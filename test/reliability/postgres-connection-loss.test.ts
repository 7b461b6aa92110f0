// Regression (found by test/reliability/postgres-restart.test.ts, issue 8): when PostgreSQL
// cut a connection that Dunwell held between two queries of a transaction (a restart, or
// pg_terminate_backend), node-postgres emitted 'error' on the checked-out client with no
// listener, and the whole worker process died ("Unhandled 'error' event … terminating
// connection due to administrator command"). Now the transaction fails with the server's
// error, the broken client is discarded, and the next transaction works.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { createPostgresDatabase } from '../support/db.ts';

describe('PostgreSQL: a connection cut in the middle of a transaction', {
  skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)',
}, () => {
  it('fails that transaction only; the process lives on and the next transaction works', async () => {
    const created = await createPostgresDatabase();
    const db = await openPostgres(created.url, { max: 2 });
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const unhandled: unknown[] = [];
    const onUncaught = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await db.exec('CREATE TABLE t (n int)');
      const outcome = db.transaction(async (tx) => {
        await tx.execute('INSERT INTO t VALUES (1)');
        const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // between two statements, as when the engine plans a batch or the sender renders
        await admin.query('SELECT pg_terminate_backend($1)', [me!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.execute('INSERT INTO t VALUES (2)');
      });
      await assert.rejects(outcome, /terminat|Connection/i);
      // let any stray 'error' event surface before looking
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, [], 'no uncaught error');
      // nothing of the cut transaction was kept, and the pool works on
      await db.transaction(async (tx) => tx.execute('INSERT INTO t VALUES (3)'));
      assert.deepEqual(await db.query('SELECT n FROM t ORDER BY n'), [{ n: 3 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await db.close();
      await created.drop();
    }
  });
});
