// The daily run: writes messages, tasks and slot firings with the §2.2 shapes; a re-run is
// a no-op; a dry run writes nothing and shows exactly what the run writes; a payment between
// planning and the next run cancels the planned message.
//
// Calendar (default campaigns; D = Wed 2026-11-25, all customers created 2026-01-05):
//   C1 (standard)      INV-1 due 11-25 (offset 0: due) + INV-2 due 11-22 (offset 3: late-1)
//                      → one email, template past-due (late-1 is the most advanced), both invoices
//   C2 (key-account)   INV-3 due 11-18 (offset 7: call-1) → one 'call' task
//   C3 (no contact)    INV-4 due 11-25 (offset 0: due) → a 'no_email' task, no message
//   C4 (standard)      INV-5 due 2026-08-01 (offset 116: every slot more than 3 days late) → skipped
//   C5 (standard)      INV-6 due 11-25 but disputed → nothing
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { listRuns, runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { listOutbox } from '../../src/messages/outbox.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { listTasks } from '../../src/tasks/index.ts';
import { describeEachEngine } from '../support/db.ts';

const D = '2026-11-25';
const clock = fixedClock('2026-11-25T12:00:00Z');

async function seed(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name, tags, created_at, account_manager_email) VALUES
      ('C1', 'Acme One', '{}', '2026-01-05T10:00:00Z', 'am@seller.test'),
      ('C2', 'Key Two', '{key-account}', '2026-01-05T10:00:00Z', null),
      ('C3', 'Silent Three', '{}', '2026-01-05T10:00:00Z', null),
      ('C4', 'Old Four', '{}', '2026-01-05T10:00:00Z', null),
      ('C5', 'Disputing Five', '{}', '2026-01-05T10:00:00Z', null);
    INSERT INTO contacts (external_id, customer_id, name, email, role)
      SELECT 'K' || c.external_id, c.id, 'AP ' || c.name, lower(c.external_id) || '@buyer.test', 'billing'
        FROM customers c WHERE c.external_id <> 'C3';
    INSERT INTO contacts (external_id, customer_id, name, email, role, receives_dunning)
      SELECT 'KEY1', id, 'Boss', 'boss@c1.test', 'key', false FROM customers WHERE external_id = 'C1';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, disputed)
      SELECT v.n, c.id, v.n, v.issued::date, v.due::date, 'EUR', v.amount, v.disputed
        FROM (VALUES ('INV-1', 'C1', '2026-10-26', '2026-11-25', 10000, false),
                     ('INV-2', 'C1', '2026-10-23', '2026-11-22', 25050, false),
                     ('INV-3', 'C2', '2026-10-19', '2026-11-18', 99900, false),
                     ('INV-4', 'C3', '2026-10-26', '2026-11-25', 5000, false),
                     ('INV-5', 'C4', '2026-07-02', '2026-08-01', 7000, false),
                     ('INV-6', 'C5', '2026-10-26', '2026-11-25', 3000, true))
             AS v(n, cust, issued, due, amount, disputed)
        JOIN customers c ON c.external_id = v.cust;
  `);
  await applyCampaignFile(db, {
    text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
    fileName: 'campaigns.yaml',
    actor: 'test',
  });
}

async function counts(db: Db) {
  const [row] = await db.query<{ m: number; t: number; f: number; r: number; a: number }>(
    `SELECT (SELECT count(*) FROM outbox_messages)::int AS m, (SELECT count(*) FROM tasks)::int AS t,
            (SELECT count(*) FROM engine_firings)::int AS f, (SELECT count(*) FROM engine_runs)::int AS r,
            (SELECT count(*) FROM audit_log WHERE actor = 'engine')::int AS a`,
  );
  return row!;
}

describeEachEngine('engine run', (db) => {
  let dryOutbox: unknown[] = [];
  let dryTasks: unknown[] = [];
  let dryCounts: unknown;

  it('dry run writes nothing and reports what the run would do', async () => {
    await seed(db());
    const before = await counts(db());
    const dry = await runEngine(db(), { date: D, dryRun: true, actor: 'test', clock, collect: true });
    assert.deepEqual(await counts(db()), before);
    assert.equal(dry.detail.runId, null);
    assert.deepEqual(
      { messages: dry.messages, tasks: dry.tasks },
      { messages: 1, tasks: 2 },
      JSON.stringify(dry.detail.outbox),
    );
    dryOutbox = dry.detail.outbox!;
    dryTasks = dry.detail.taskList!;
    dryCounts = {
      date: dry.date,
      messages: dry.messages,
      tasks: dry.tasks,
      skipped: dry.skipped,
      cancelled: 0,
    };
  });

  it('run writes the messages, tasks and firings the dry run showed', async () => {
    const run = await runEngine(db(), { date: D, actor: 'test', clock, collect: true });
    assert.deepEqual(
      {
        date: run.date,
        messages: run.messages,
        tasks: run.tasks,
        skipped: run.skipped,
        cancelled: run.cancelled,
      },
      dryCounts,
    );
    const outbox = await listOutbox(db());
    assert.deepEqual(
      outbox.map((m) => ({ ...m, id: null })),
      dryOutbox,
    );
    assert.deepEqual(outbox, run.detail.outbox);
    assert.deepEqual(outbox, [
      {
        id: outbox[0]!.id,
        customer_external_id: 'C1',
        campaign: 'standard',
        step: 'late-1',
        template: 'past-due',
        language: 'en',
        planned_for: D,
        status: 'planned',
        to: ['c1@buyer.test'],
        cc: [],
        invoices: ['INV-2', 'INV-1'],
        subject: null,
        attachments: ['INV-2.pdf', 'INV-1.pdf'],
        message_id: null,
      },
    ]);
    const tasks = await listTasks(db());
    assert.deepEqual(
      tasks.map((t) => ({ ...t, id: null })),
      dryTasks,
    );
    assert.deepEqual(
      tasks
        .map(({ id: _id, title: _t, ...t }) => t)
        .sort((a, b) => a.customer_external_id.localeCompare(b.customer_external_id)),
      [
        { customer_external_id: 'C2', kind: 'call', due: D, status: 'open', invoices: ['INV-3'] },
        { customer_external_id: 'C3', kind: 'no_email', due: D, status: 'open', invoices: ['INV-4'] },
      ],
    );
    // Firings: each carries its message or task and the campaign version that fired it.
    const firings = await db().query<{
      invoice: string;
      step_key: string;
      outcome: string;
      has_message: boolean;
      has_task: boolean;
      version_ok: boolean;
    }>(
      `SELECT i.number AS invoice, f.step_key, f.outcome, f.message_id IS NOT NULL AS has_message,
              f.task_id IS NOT NULL AS has_task,
              f.campaign_version_id = (SELECT id FROM campaign_versions v WHERE v.active AND v.campaign_key = f.campaign_key) AS version_ok
         FROM engine_firings f JOIN invoices i ON i.id = f.invoice_id
        WHERE f.outcome = 'fired' ORDER BY i.number`,
    );
    assert.deepEqual(
      firings.map((f) => [f.invoice, f.step_key, f.has_message, f.has_task, f.version_ok]),
      [
        ['INV-1', 'due', true, false, true],
        ['INV-2', 'late-1', true, false, true],
        ['INV-3', 'call-1', false, true, true],
        ['INV-4', 'due', false, true, true],
      ],
    );
    // R3: INV-5's slots are all too late; INV-2's pre-due and due were superseded. One row
    // per invoice holds the highest skipped slot, the lower ones in also_skipped.
    const skipped = await db().query<{ invoice: string; slot_key: string; reason: string; also: string[] }>(
      `SELECT i.number AS invoice, f.slot_key, f.reason, f.also_skipped AS also
         FROM engine_firings f JOIN invoices i ON i.id = f.invoice_id
        WHERE f.outcome = 'skipped' ORDER BY i.number`,
    );
    const ids = new Map(
      (await db().query<{ number: string; id: number }>('SELECT number, id FROM invoices')).map((r) => [
        r.number,
        r.id,
      ]),
    );
    const key = (inv: string, step: string, occ = 0, campaign = 'standard') =>
      `inv:${ids.get(inv)}:${campaign}:${step}:${occ}`;
    assert.deepEqual(skipped, [
      { invoice: 'INV-1', slot_key: key('INV-1', 'pre-due'), reason: 'superseded', also: [] },
      {
        invoice: 'INV-2',
        slot_key: key('INV-2', 'due'),
        reason: 'superseded',
        also: [key('INV-2', 'pre-due')],
      },
      {
        invoice: 'INV-3',
        slot_key: key('INV-3', 'due', 0, 'key-accounts'),
        reason: 'superseded',
        also: [key('INV-3', 'pre-due', 0, 'key-accounts')],
      },
      { invoice: 'INV-4', slot_key: key('INV-4', 'pre-due'), reason: 'superseded', also: [] },
      {
        invoice: 'INV-5',
        slot_key: key('INV-5', 'call'),
        reason: 'too_late',
        also: [
          key('INV-5', 'pre-due'),
          key('INV-5', 'due'),
          key('INV-5', 'late-1'),
          key('INV-5', 'late-n', 0),
          key('INV-5', 'late-n', 1),
          key('INV-5', 'late-n', 2),
          key('INV-5', 'late-n', 3),
          key('INV-5', 'late-n', 4),
          key('INV-5', 'late-n', 5),
          key('INV-5', 'final'),
        ],
      },
    ]);
    assert.equal(skipped.length + skipped.reduce((n, r) => n + r.also.length, 0), run.skipped);
    // Timeline: one event per message and task.
    const events = await db().query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM audit_log WHERE actor = 'engine' GROUP BY action ORDER BY action`,
    );
    assert.deepEqual(events, [
      { action: 'message.planned', n: 1 },
      { action: 'task.created', n: 2 },
    ]);
    const [runRow] = await listRuns(db());
    assert.equal(runRow!.status, 'finished');
    assert.equal(runRow!.messages, 1);
  });

  it('re-running the same date is a no-op', async () => {
    const before = await counts(db());
    const again = await runEngine(db(), { date: D, actor: 'test', clock });
    assert.deepEqual(
      { messages: again.messages, tasks: again.tasks, skipped: again.skipped, cancelled: again.cancelled },
      { messages: 0, tasks: 0, skipped: 0, cancelled: 0 },
    );
    const after = await counts(db());
    assert.deepEqual({ ...after, r: before.r }, before); // only a new engine_runs row
    assert.equal(after.r, before.r + 1);
  });

  it('a payment before the next run cancels the planned message (R6 paid check)', async () => {
    await db().exec(`
      INSERT INTO payments (external_id, customer_id, date, amount, currency)
        SELECT 'P1', id, '2026-11-26', 35050, 'EUR' FROM customers WHERE external_id = 'C1';
      INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
        SELECT i.id, 'payment', p.id, i.amount, '2026-11-26'
          FROM invoices i, payments p WHERE i.number IN ('INV-1', 'INV-2') AND p.external_id = 'P1';
    `);
    // As of D the invoices were still open: a dry run for D cancels nothing.
    const dryD = await runEngine(db(), { date: D, dryRun: true, actor: 'test', clock });
    assert.equal(dryD.cancelled, 0);
    const next = await runEngine(db(), { date: '2026-11-26', actor: 'test', clock });
    assert.equal(next.cancelled, 1);
    const [m] = await listOutbox(db(), { status: 'cancelled' });
    assert.equal(m!.customer_external_id, 'C1');
    const again = await runEngine(db(), { date: '2026-11-26', actor: 'test', clock });
    assert.equal(again.cancelled, 0);
  });

  it('plans only the given customers when asked (scheduler)', async () => {
    const [c4] = await db().query<{ id: number }>(`SELECT id FROM customers WHERE external_id = 'C4'`);
    await db().exec(`
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-7', id, 'INV-7', '2026-10-27', '2026-11-27', 'EUR', 1000 FROM customers WHERE external_id = 'C4';
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-8', id, 'INV-8', '2026-10-27', '2026-11-27', 'EUR', 1000 FROM customers WHERE external_id = 'C5';
    `);
    const run = await runEngine(db(), {
      date: '2026-11-27',
      customerIds: [c4!.id],
      actor: 'test',
      clock,
      collect: true,
    });
    assert.deepEqual(
      run.detail.outbox!.map((m) => [m.customer_external_id, m.invoices]),
      [['C4', ['INV-7']]],
    );
  });
});
