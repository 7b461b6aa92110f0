// The engine's commands end to end through ./bin/dunwell on an embedded store: campaigns
// apply/export/schema, run (--dry-run, --json, the sending note), outbox list, tasks list/done,
// invoices dispute/resolve/promise, customers pause/resume, and their errors and exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { openDatabase } from '../../src/platform/db/index.ts';

const D = '2026-11-25';

describe('engine commands (CLI, PGlite store)', () => {
  let dir: string;
  let store: string;
  const cli = (...args: string[]) => {
    const r = spawnSync('./bin/dunwell', [...args, '--db', store], {
      encoding: 'utf8',
      env: { ...process.env, DUNWELL_NOW: `${D}T12:00:00Z` },
    });
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      json: () => JSON.parse(r.stdout) as unknown,
    };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dunwell-engine-cli-'));
    store = join(dir, 'store');
    const db = await openDatabase(store);
    await db.exec(`
      INSERT INTO customers (external_id, name, created_at) VALUES ('C1', 'Acme', '2026-01-05T00:00:00Z'),
                                                                  ('C2', 'Nomail', '2026-01-05T00:00:00Z');
      INSERT INTO contacts (external_id, customer_id, email) SELECT 'K1', id, 'ap@acme.test' FROM customers WHERE external_id = 'C1';
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT v.n, c.id, v.n, '2026-10-26', v.due::date, 'EUR', 12345
          FROM (VALUES ('INV-1', 'C1', '2026-11-25'), ('INV-2', 'C1', '2026-12-20'), ('INV-3', 'C2', '2026-11-25')) v(n, cust, due)
          JOIN customers c ON c.external_id = v.cust;
    `);
    await db.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('campaigns: a bad file exits 1 naming the field; apply, export round-trip, schema', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'campaigns:\n  - key: x\n    name: X\n    steps: [ { key: s, offset_days: 0, template: t, attach: [pdf] } ]\n',
    );
    const refused = cli('campaigns', 'apply', bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /attach/);
    assert.equal(cli('campaigns', 'export').code, 1);
    const applied = cli('campaigns', 'apply', DEFAULT_CAMPAIGNS_PATH, '--json');
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((applied.json() as { campaigns: unknown[] }).campaigns.length, 5);
    const exported = cli('campaigns', 'export');
    assert.equal(exported.code, 0);
    const file = join(dir, 'export.yaml');
    writeFileSync(file, exported.stdout);
    assert.equal(cli('campaigns', 'apply', file).code, 0);
    assert.equal(cli('campaigns', 'export').stdout, exported.stdout);
    const schema = cli('campaigns', 'schema').json() as { properties: Record<string, unknown> };
    assert.ok('campaigns' in schema.properties);
  });

  it('run: --dry-run prints what run then does; --json shape; re-run no-op', () => {
    const dry = cli('run', '--date', D, '--dry-run', '--json');
    assert.equal(dry.code, 0, dry.stderr);
    // INV-1 and INV-3 are due today: their pre-due slots (−7) are superseded (R3).
    assert.deepEqual(dry.json(), { date: D, messages: 1, tasks: 1, skipped: 2, cancelled: 0 });
    assert.equal(dry.stderr, '');
    assert.deepEqual(cli('outbox', 'list', '--json').json(), []);
    // --no-send: the planned messages stay in the outbox for the next test (sending after the
    // plan is the sender's, tested in test/messages).
    const run = cli('run', '--date', D, '--no-send', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.json(), dry.json());
    const quiet = cli('run', '--date', D, '--no-send', '--json');
    assert.deepEqual(quiet.json(), { date: D, messages: 0, tasks: 0, skipped: 0, cancelled: 0 });
    assert.equal(quiet.stderr, '');
    assert.equal(cli('run', '--date', '2026-13-01').code, 1);
    assert.equal(cli('run', '--bogus').code, 2);
    // Without --date: today in the organisation's time zone (DUNWELL_NOW), already planned.
    assert.deepEqual(cli('run', '--json', '--no-send').json(), quiet.json());
  });

  it('outbox list and tasks list/done with the §2.2 shapes', () => {
    const outbox = cli('outbox', 'list', '--json', '--status', 'planned', '--date', D).json() as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      outbox.map(({ id: _id, ...m }) => m),
      [
        {
          customer_external_id: 'C1',
          campaign: 'standard',
          step: 'due',
          template: 'due-today',
          language: 'en',
          planned_for: D,
          status: 'planned',
          to: ['ap@acme.test'],
          cc: [],
          invoices: ['INV-1'],
          subject: null,
          attachments: [],
          message_id: null,
        },
      ],
    );
    assert.equal(cli('outbox', 'list', '--status', 'nope').code, 1);
    assert.equal(cli('outbox').code, 2);
    const tasks = cli('tasks', 'list', '--json').json() as { id: number; kind: string; invoices: string[] }[];
    assert.deepEqual(
      tasks.map((t) => [t.kind, t.invoices]),
      [['no_email', ['INV-3']]],
    );
    const done = cli('tasks', 'done', String(tasks[0]!.id), '--json');
    assert.equal(done.code, 0, done.stderr);
    assert.equal((done.json() as { status: string }).status, 'done');
    assert.equal(cli('tasks', 'done', String(tasks[0]!.id)).code, 1);
    assert.equal(cli('tasks', 'done', '424242').code, 1);
  });

  it('invoices and customers: dispute, resolve, promise, pause, resume', () => {
    const missing = cli('invoices', 'dispute', 'NOPE', '--reason', 'x');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no invoice numbered NOPE/);
    assert.equal(cli('invoices', 'dispute', 'INV-2').code, 2);
    const d = cli('invoices', 'dispute', 'INV-2', '--reason', 'wrong quantity', '--json');
    assert.equal(d.code, 0, d.stderr);
    assert.equal((d.json() as { status: string }).status, 'open');
    const twice = cli('invoices', 'dispute', 'INV-2', '--reason', 'again');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already disputed/);
    assert.equal(cli('invoices', 'resolve', 'INV-2').code, 0);
    const past = cli('invoices', 'promise', 'INV-2', '--date', '2026-11-01');
    assert.equal(past.code, 1);
    assert.match(past.stderr, /in the past \(today is 2026-11-25\)/);
    const p = cli('invoices', 'promise', 'INV-2', '--date', '2026-12-30', '--amount', '100.00', '--json');
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(
      { ...(p.json() as Record<string, unknown>), id: 0 },
      {
        id: 0,
        invoice: 'INV-2',
        customer_external_id: 'C1',
        promised_date: '2026-12-30',
        amount: '100.00',
        currency: 'EUR',
        status: 'open',
        grace_days: 2,
        promised_through: '2027-01-01',
        created_by: 'cli',
      },
    );
    assert.deepEqual(cli('customers', 'pause', 'C1', '--until', '2026-12-31', '--json').json(), {
      customer_external_id: 'C1',
      paused: true,
      paused_until: '2026-12-31',
    });
    assert.equal(cli('customers', 'resume', 'C1').code, 0);
    const unknown = cli('customers', 'pause', 'NOPE');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no customer with external id NOPE/);
  });
});
