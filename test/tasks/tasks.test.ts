// Collector tasks: list shape (§2.2), filters, and `done` with who and when.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NotFoundError } from '../../src/platform/errors.ts';
import { completeTask, getTask, listTasks } from '../../src/tasks/index.ts';
import { describeEachEngine } from '../support/db.ts';

describeEachEngine('tasks', (db) => {
  it('lists tasks with the §2.2 shape, oldest due first, and completes one', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('T1', 'Task Co');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT n, (SELECT id FROM customers), n, '2026-10-01', d::date, 'EUR', 1000
          FROM (VALUES ('INV-T2', '2026-11-12'), ('INV-T1', '2026-11-10')) v(n, d);
      INSERT INTO tasks (customer_id, kind, title, due, invoice_ids)
        SELECT (SELECT id FROM customers), 'call', 'Call Task Co', '2026-11-26',
               ARRAY(SELECT id FROM invoices ORDER BY number);
      INSERT INTO tasks (customer_id, kind, title, due)
        SELECT (SELECT id FROM customers), 'check_contact', 'Check the contact', '2026-11-25';
    `);
    const tasks = await listTasks(db());
    assert.deepEqual(
      tasks.map(({ id: _id, ...t }) => t),
      [
        {
          customer_external_id: 'T1',
          kind: 'check_contact',
          title: 'Check the contact',
          due: '2026-11-25',
          status: 'open',
          invoices: [],
        },
        {
          customer_external_id: 'T1',
          kind: 'call',
          title: 'Call Task Co',
          due: '2026-11-26',
          status: 'open',
          invoices: ['INV-T1', 'INV-T2'],
        },
      ],
    );
    const call = tasks[1]!;
    const done = await completeTask(db(), { id: call.id, actor: 'cli' });
    assert.equal(done.status, 'done');
    await assert.rejects(
      completeTask(db(), { id: call.id, actor: 'cli' }),
      /task \d+ is already done \(by cli\)/,
    );
    await assert.rejects(completeTask(db(), { id: 99999, actor: 'cli' }), NotFoundError);
    assert.deepEqual(
      (await listTasks(db(), { status: 'open' })).map((t) => t.kind),
      ['check_contact'],
    );
    assert.equal((await getTask(db(), call.id)).status, 'done');
    const [row] = await db().query<{ done_by: string; has_at: boolean }>(
      'SELECT done_by, done_at IS NOT NULL AS has_at FROM tasks WHERE id = $1',
      [call.id],
    );
    assert.deepEqual(row, { done_by: 'cli', has_at: true });
    const events = await db().query<{ action: string; entity_id: string }>(
      `SELECT action, entity_id FROM audit_log WHERE entity = 'task'`,
    );
    assert.deepEqual(events, [{ action: 'task.done', entity_id: String(call.id) }]);
  });
});
