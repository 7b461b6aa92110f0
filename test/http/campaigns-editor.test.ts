/**
 * The campaign editor's API (docs/campaigns.md): the active file as JSON, validating a draft
 * (path, line, column), the forecast diff of a draft against the active campaigns, a sample
 * invoice's calendar, and the A/B results in the campaigns report — on both engines.
 *
 * Calendar of the ledger (TODAY = Sunday 2026-03-15):
 *   C1 INV-1 due Fri 03-13 → "late" (+3) falls on Mon 03-16; with +5, on Wed 03-18
 *   C2 INV-2 due Mon 03-16 → "due" on 03-16, "late" on Thu 03-19 (+5: Sat 03-21 → Mon 03-23)
 *   C3 INV-3 due 2026-05-01 → nothing in the next 30 days
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { abArm } from '../../src/campaigns/planner/ab.ts';
import { runEngine } from '../../src/campaigns/run.ts';
import { addDays } from '../../src/ledger/dates.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';
import { NOW, type TestApi, TODAY, testApi } from './support.ts';

const BASE = {
  settings: { max_emails_per_customer_per_week: 3 },
  campaigns: [
    {
      key: 'standard',
      name: 'Standard',
      min_days_between: 1,
      steps: [
        { key: 'due', offset_days: 0, template: 'due-today' },
        { key: 'late', offset_days: 3, template: 'past-due' },
      ],
    },
    {
      key: 'welcome',
      trigger: 'customer_created',
      steps: [{ key: 'welcome', offset_days: 0, template: 'welcome' }],
    },
  ],
};

type Diff = {
  from: string;
  counts: Record<string, number>;
  changes: {
    change: string;
    customer: string;
    invoice: string | null;
    step: string;
    date_before: string | null;
    date_after: string | null;
    template_before: string | null;
    template_after: string | null;
  }[];
};

function withLate(step: Record<string, unknown>) {
  const copy = structuredClone(BASE);
  copy.campaigns[0]!.steps[1] = step as (typeof copy.campaigns)[0]['steps'][1];
  return copy;
}

describeEachEngine('campaign editor API', (db) => {
  let api: TestApi;
  const count = async (table: string) =>
    (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at) VALUES
        ('C1', 'One', '2025-01-01'), ('C2', 'Two', '2025-01-01'), ('C3', 'Three', '2025-01-01');
      INSERT INTO contacts (external_id, customer_id, name, email)
        SELECT 'K' || external_id, id, name, lower(name) || '@example.com' FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT n, (SELECT id FROM customers WHERE external_id = c), n, DATE '2026-01-01', due, 'EUR', 10000
        FROM (VALUES ('INV-1', 'C1', DATE '2026-03-13'), ('INV-2', 'C2', DATE '2026-03-16'),
                     ('INV-3', 'C3', DATE '2026-05-01')) AS v(n, c, due);`);
    api = await testApi(db());
    const applied = await api.send('PUT', '/api/v1/campaigns', BASE);
    assert.equal(applied.status, 200, applied.body);
  });
  after(async () => {
    await api.app.close();
  });

  it('serves the active file as JSON that applies back to the same definitions', async () => {
    const r = await api.get('/api/v1/campaigns/file');
    assert.equal(r.status, 200, r.body);
    const file = r.json as typeof BASE;
    assert.deepEqual(
      file.campaigns.map((c) => c.key),
      ['standard', 'welcome'],
    );
    assert.equal(
      (file.campaigns[0] as unknown as { send_on: string[] }).send_on.length,
      5,
      'defaults written out',
    );
    const valid = await api.send('POST', '/api/v1/campaigns/validate', { file });
    assert.deepEqual(valid.json, { valid: true, problems: [] });
  });

  it('validates a draft without applying it: every problem with path, line and column', async () => {
    const before = (await api.get('/api/v1/campaigns')).json as { set_id: number };
    const text = [
      'campaigns:',
      '  - key: standard',
      '    steps:',
      '      - { key: due, offset_days: 0, template: due-today }',
      '      - { key: late, offset_days: 0, template: past-due }',
    ].join('\n');
    const r = await api.send('POST', '/api/v1/campaigns/validate', { text });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, {
      valid: false,
      problems: [
        {
          message:
            'draft: campaign "standard", step "late": offset_days puts a slot on offset 0, which step "due" already uses; offsets must be distinct within a campaign',
          path: ['campaigns', 0, 'steps', 1, 'offset_days'],
          line: 5,
          column: 35,
        },
      ],
    });
    const form = await api.send('POST', '/api/v1/campaigns/validate', {
      file: withLate({ key: 'late', offset_days: 'three', template: 'past-due' }),
    });
    const problems = (form.json as { problems: { path: unknown[]; line: number }[] }).problems;
    assert.deepEqual(problems[0]!.path, ['campaigns', 0, 'steps', 1, 'offset_days']);
    assert.ok(problems[0]!.line > 1, 'a line in the JSON text of the draft');
    const neither = await api.send('POST', '/api/v1/campaigns/validate', {});
    assert.equal(neither.status, 400, neither.body);
    assert.match(
      (neither.json as { error: { message: string } }).error.message,
      /exactly one of "file".*or "text"/,
    );
    assert.equal(((await api.get('/api/v1/campaigns')).json as { set_id: number }).set_id, before.set_id);
  });

  it('previews an edit as the forecast diff: moved dates and changed templates per customer and invoice; writes nothing', async () => {
    const outbox = await count('outbox_messages');
    const moved = await api.send('POST', '/api/v1/campaigns/preview', {
      file: withLate({ key: 'late', offset_days: 5, template: 'past-due' }),
      days: 30,
    });
    assert.equal(moved.status, 200, moved.body);
    const diff = moved.json as Diff;
    assert.equal(diff.from, TODAY);
    assert.deepEqual(
      diff.changes.map((c) => [c.change, c.customer, c.invoice, c.step, c.date_before, c.date_after]),
      [
        // INV-1 is 3 days past due on Mon 03-16: with "late" at +5, the due reminder is no
        // longer superseded there (R3) — it is caught up instead.
        ['added', 'C1', 'INV-1', 'due', null, '2026-03-16'],
        ['moved', 'C1', 'INV-1', 'late', '2026-03-16', '2026-03-18'],
        ['moved', 'C2', 'INV-2', 'late', '2026-03-19', '2026-03-23'],
      ],
    );
    assert.deepEqual(
      { ...diff.counts },
      { added: 1, removed: 0, moved: 2, template_changed: 0, unchanged: 1, customers: 2 },
    );

    const template = (
      await api.send('POST', '/api/v1/campaigns/preview', {
        file: withLate({ key: 'late', offset_days: 3, template: 'final-notice' }),
      })
    ).json as Diff;
    assert.deepEqual(
      template.changes.map((c) => [c.change, c.customer, c.template_before, c.template_after]),
      [
        ['template_changed', 'C1', 'past-due', 'final-notice'],
        ['template_changed', 'C2', 'past-due', 'final-notice'],
      ],
    );
    const removed = (
      await api.send('POST', '/api/v1/campaigns/preview', {
        file: { campaigns: [{ ...BASE.campaigns[0], steps: [BASE.campaigns[0]!.steps[0]] }] },
      })
    ).json as Diff;
    assert.deepEqual(
      removed.changes.map((c) => [c.change, c.customer, c.step]),
      [
        ['added', 'C1', 'due'], // no later step supersedes it any more (R3)
        ['removed', 'C1', 'late'],
        ['removed', 'C2', 'late'],
      ],
    );
    const bad = await api.send('POST', '/api/v1/campaigns/preview', {
      file: withLate({ key: 'late', offset_days: 3, template: 'Past Due' }),
    });
    assert.equal(bad.status, 422, bad.body);
    assert.match(bad.body, /step \\"late\\": template must be lower-case/);
    assert.equal(await count('outbox_messages'), outbox, 'a preview writes nothing');
    assert.equal(await count('engine_firings'), 0);
  });

  it('lays out a sample invoice calendar per arm, from a draft or from the active campaigns', async () => {
    const draft = withLate({
      key: 'late',
      offset_days: 3,
      template: 'past-due',
      variant: { offset_days: 5 },
    });
    const r = await api.send('POST', '/api/v1/campaigns/calendar', {
      file: draft,
      campaign: 'standard',
      issue_date: '2026-03-01',
      due_date: '2026-03-13',
      amount: '250.00',
    });
    assert.equal(r.status, 200, r.body);
    const calendar = r.json as {
      sample: { amount: string; currency: string };
      arms: { arm: string; steps: { step: string; due_on: string; date: string | null }[] }[];
    };
    assert.deepEqual(calendar.sample, {
      issue_date: '2026-03-01',
      due_date: '2026-03-13',
      amount: '250.00',
      currency: 'EUR',
    });
    assert.deepEqual(
      calendar.arms.map((a) => [a.arm, a.steps.map((s) => [s.step, s.due_on, s.date])]),
      [
        // Fri 03-13; +3 = Mon 03-16; arm b +5 = Wed 03-18
        [
          'a',
          [
            ['due', '2026-03-13', '2026-03-13'],
            ['late', '2026-03-16', '2026-03-16'],
          ],
        ],
        [
          'b',
          [
            ['due', '2026-03-13', '2026-03-13'],
            ['late', '2026-03-18', '2026-03-18'],
          ],
        ],
      ],
    );
    const active = await api.send('POST', '/api/v1/campaigns/calendar', {
      campaign: 'standard',
      issue_date: '2026-03-01',
      due_date: '2026-03-12',
    });
    assert.equal(active.status, 200, active.body);
    // Thu 03-12 + 3 = Sun 03-15 → Mon 03-16 (send_on is mon–fri)
    assert.deepEqual(
      (active.json as typeof calendar).arms.map((a) => a.steps.map((s) => s.date)),
      [['2026-03-12', '2026-03-16']],
    );
    const event = await api.send('POST', '/api/v1/campaigns/calendar', {
      campaign: 'welcome',
      issue_date: '2026-03-01',
      due_date: '2026-03-12',
    });
    assert.equal(event.status, 422, event.body);
    const unknown = await api.send('POST', '/api/v1/campaigns/calendar', {
      campaign: 'nope',
      issue_date: '2026-03-01',
      due_date: '2026-03-12',
    });
    assert.equal(unknown.status, 404, unknown.body);
    const badAmount = await api.send('POST', '/api/v1/campaigns/calendar', {
      campaign: 'standard',
      issue_date: '2026-03-01',
      due_date: '2026-03-12',
      amount: '0',
    });
    assert.equal(badAmount.status, 400, badAmount.body);
  });

  it('records each customer’s arm on what the engine writes and reports paid within 7/30 days per arm', async () => {
    // An A/B file: "due" splits between two templates. 40 more customers, each with one
    // invoice due Mon 03-16; half of the arm-b customers' invoices are paid 3 days later.
    const ab = structuredClone(BASE);
    ab.campaigns[0]!.steps[0] = {
      key: 'due',
      offset_days: 0,
      template: 'due-today',
      variant: { template: 'reminder' },
    } as (typeof ab.campaigns)[0]['steps'][0];
    assert.equal((await api.send('PUT', '/api/v1/campaigns', ab)).status, 200);
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at)
        SELECT 'AB' || g, 'AB ' || g, '2025-01-01' FROM generate_series(1, 40) g;
      INSERT INTO contacts (external_id, customer_id, name, email)
        SELECT 'K' || external_id, id, name, lower(external_id) || '@example.com' FROM customers WHERE external_id LIKE 'AB%';
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'I-' || external_id, id, 'I-' || external_id, DATE '2026-02-01', DATE '2026-03-16', 'EUR', 5000
          FROM customers WHERE external_id LIKE 'AB%';`);
    const clock = fixedClock(NOW);
    await runEngine(db(), { date: '2026-03-16', actor: 'test', clock });
    await db().exec(
      "UPDATE outbox_messages SET status = 'sent', sent_at = planned_for + time '09:00' WHERE status = 'planned'",
    );
    const fired = await db().query<{ customer_id: number; ab_arm: string | null; template: string }>(
      `SELECT f.customer_id, f.ab_arm, m.template FROM engine_firings f JOIN outbox_messages m ON m.id = f.message_id
        WHERE f.step_key = 'due' AND f.outcome = 'fired' ORDER BY f.customer_id`,
    );
    assert.equal(fired.length, 41, 'C2 and the 40 AB customers');
    for (const f of fired) {
      const arm = abArm(f.customer_id, 'standard', 'due', 50);
      assert.equal(f.ab_arm, arm);
      assert.equal(f.template, arm === 'b' ? 'reminder' : 'due-today');
    }
    // Pay every second arm-b invoice on 03-19 (within 7 days), and one arm-a invoice on 04-10
    // (within 30 days, not 7).
    const armB = fired.filter((f) => f.ab_arm === 'b').map((f) => f.customer_id);
    const armA = fired.filter((f) => f.ab_arm === 'a').map((f) => f.customer_id);
    const paidB = armB.filter((_, i) => i % 2 === 0);
    const pay = async (customerIds: number[], date: string) => {
      for (const id of customerIds) {
        await db().query(
          `WITH p AS (INSERT INTO payments (external_id, customer_id, date, amount, currency)
                      VALUES ('P-' || $1::bigint || '-' || $2::text, $1, $2::date, 10000, 'EUR') RETURNING id)
           INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
           SELECT i.id, 'payment', p.id, i.amount, $2::date FROM invoices i, p
            WHERE i.customer_id = $1 AND i.due_date = DATE '2026-03-16'`,
          [id, date],
        );
      }
    };
    await pay(paidB, '2026-03-19');
    await pay(armA.slice(0, 1), '2026-04-10');
    const report = await api.get(
      `/api/v1/reports/campaigns?as_of=${addDays('2026-03-16', 40)}&period_days=90`,
    );
    assert.equal(report.status, 200, report.body);
    const { ab_tests } = report.json as {
      ab_tests: { campaign: string; step: string; arms: Record<string, number | string | null>[] }[];
    };
    assert.deepEqual(
      ab_tests.map((t) => [t.campaign, t.step]),
      [['standard', 'due']],
    );
    const [a, b] = ab_tests[0]!.arms;
    assert.deepEqual(a, {
      arm: 'a',
      customers: armA.length,
      invoices: armA.length,
      matured_7d: armA.length,
      paid_7d: 0,
      paid_7d_percent: 0,
      matured_30d: armA.length,
      paid_30d: 1,
      paid_30d_percent: (1 / armA.length) * 100,
    });
    assert.equal(b!.customers, armB.length);
    assert.equal(b!.paid_7d, paidB.length);
    assert.equal(b!.paid_30d, paidB.length);
    assert.equal(b!.paid_7d_percent, (paidB.length / armB.length) * 100);
    assert.ok(armA.length > 5 && armB.length > 5, `both arms used: ${armA.length} / ${armB.length}`);
  });
});
