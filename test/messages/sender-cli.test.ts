// `dunwell send`, `dunwell dkim generate` and `dunwell run` end to end through ./bin/dunwell
// (three spawns):
// a due message is caught by the built-in catcher (no SMTP configured) and counted in the
// §2.2-style JSON; a DKIM key file is written with mode 0600 and its TXT record printed; `run`
// sends what it planned.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { seedDataDir } from '../support/db.ts';
import { addCustomer, addInvoice, planMessage } from './support/sender-fixture.ts';

describe('sender commands (CLI, PGlite store)', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dunwell-send-cli-'));
    store = join(dir, 'store');
    await seedDataDir(store);
    const db = await openDatabase(store);
    const c = await addCustomer(db, 'C1', 'Acme', [{ name: 'AP', email: 'ap@acme.test' }]);
    const inv = await addInvoice(db, c, 'INV-1', '2026-11-01', 100_00);
    await planMessage(db, {
      customerId: c,
      template: 'past-due',
      plannedFor: '2026-11-25',
      to: [{ name: 'AP', email: 'ap@acme.test' }],
      invoices: [inv],
    });
    // for `run`: the default campaigns, and an invoice due on the run day (the due-today step)
    await applyCampaignFile(db, {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'campaigns.yaml',
      actor: 'test',
    });
    const c2 = await addCustomer(db, 'C2', 'Due Today Ltd', [{ name: 'AP', email: 'ap@due.test' }]);
    await addInvoice(db, c2, 'INV-2', '2026-11-25', 50_00);
    await db.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('send --json drains the outbox into the catcher; dkim generate writes a 0600 key and prints the record', () => {
    const env = { ...process.env, DUNWELL_NOW: '2026-11-25T12:00:00Z', DUNWELL_SMTP_URL: '' };
    const sent = spawnSync('./bin/dunwell', ['send', '--json', '--db', store], {
      encoding: 'utf8',
      env,
      cwd: process.cwd(),
    });
    assert.equal(sent.status, 0, sent.stderr);
    assert.deepEqual(JSON.parse(sent.stdout), { sent: 1, failed: 0, cancelled: 0, retrying: 0, unknown: 0 });

    const keyFile = join(dir, 'dkim.pem');
    const ok = spawnSync(
      './bin/dunwell',
      ['dkim', 'generate', '--selector', 's2026', '--domain', 'example.com', '--out', keyFile],
      { encoding: 'utf8', env },
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^s2026\._domainkey\.example\.com IN TXT "v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+"( "[A-Za-z0-9+/=]+")*\n$/,
    );
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(readFileSync(keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  });

  it('run (without --no-send) plans the day, then sends what it planned; its JSON stays the plan', async () => {
    const env = { ...process.env, DUNWELL_NOW: '2026-11-25T12:00:00Z', DUNWELL_SMTP_URL: '' };
    const run = spawnSync('./bin/dunwell', ['run', '--date', '2026-11-25', '--json', '--db', store], {
      encoding: 'utf8',
      env,
    });
    assert.equal(run.status, 0, run.stderr);
    const plan = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(plan).sort(), ['cancelled', 'date', 'messages', 'skipped', 'tasks']);
    assert.ok((plan.messages as number) >= 1);
    const db = await openDatabase(store);
    try {
      const rows = await db.query<{ status: string; n: number }>(
        `SELECT m.status, count(*)::int AS n FROM outbox_messages m GROUP BY m.status`,
      );
      assert.deepEqual(rows, [{ status: 'sent', n: (plan.messages as number) + 1 }]);
      const [caught] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbound_mail o JOIN customers c ON c.id = o.customer_id
          WHERE c.external_id = 'C2' AND o.transport = 'catcher'`,
      );
      assert.equal(caught!.n, 1);
    } finally {
      await db.close();
    }
  });
});
