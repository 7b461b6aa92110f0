// The crash suite (issue 8): real `dunwell send` processes against PostgreSQL and a loopback
// SMTP sink, killed with SIGKILL at random moments, restarted, sometimes two racing — then,
// from the sink's log and the database: no Message-ID was delivered twice, and every message
// is either sent (and delivered) or visibly `unknown` for a person to check. Nothing is left
// planned or sending, nothing is silently lost.
//
// Rounds: DUNWELL_CHAOS_ROUNDS (CI default 8; `npm run test:chaos` runs 100), seeded by
// DUNWELL_CHAOS_SEED so a failing run can be replayed. Needs PostgreSQL (TEST_DATABASE_URL):
// PGlite serves one process at a time, so it cannot host racing workers.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Random } from '../../src/demo/random.ts';
import { installDefaultTemplates } from '../../src/messages/templates/index.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { addCustomer, addInvoice, planMessage } from '../messages/support/sender-fixture.ts';
import { type SmtpSink, startSmtpSink } from '../messages/support/smtp-sink.ts';
import { createPostgresDatabase } from '../support/db.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dunwell');
const ROUNDS = Number(process.env.DUNWELL_CHAOS_ROUNDS ?? 8);
const SEED = Number(process.env.DUNWELL_CHAOS_SEED ?? 20261125);
// enough messages that every round finds some still to send
const MESSAGES = Number(process.env.DUNWELL_CHAOS_MESSAGES ?? ROUNDS * 15);

function startSender(
  dbUrl: string,
  sinkUrl: string,
  leaseSeconds: number,
): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'send', '--json', '--db', dbUrl], {
    env: {
      ...process.env,
      DUNWELL_SMTP_URL: sinkUrl,
      // racing senders leave each other's messages alone (a long lease); the last one settles
      // what killed senders left in `sending` at once
      DUNWELL_SENDER_LEASE_SECONDS: String(leaseSeconds),
      DUNWELL_SENDER_CONCURRENCY: '4',
      DUNWELL_SENDER_RENDER_THREADS: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, exit };
}

const postgres = process.env.TEST_DATABASE_URL;

describe('crash suite: senders killed with SIGKILL mid-send', {
  skip: postgres
    ? false
    : 'needs TEST_DATABASE_URL (PostgreSQL): racing worker processes cannot share a PGlite store',
}, () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  let sink: SmtpSink;
  const today = new Date().toISOString().slice(0, 10);

  before(async () => {
    database = await createPostgresDatabase();
    db = await openDatabase(database.url);
    await installDefaultTemplates(db);
    for (let c = 1; c <= MESSAGES; c++) {
      const id = await addCustomer(db, `C-${c}`, `Customer ${c}`, [
        { name: `AP ${c}`, email: `ap${c}@c${c}.test` },
      ]);
      const invoice = await addInvoice(db, id, `INV-${c}`, '2026-01-31', 10_000 + c);
      await planMessage(db, {
        customerId: id,
        template: 'past-due',
        plannedFor: today,
        to: [{ name: `AP ${c}`, email: `ap${c}@c${c}.test` }],
        invoices: [invoice],
        attach: c % 3 === 0 ? ['statement'] : [],
      });
    }
    sink = await startSmtpSink();
  });
  after(async () => {
    await sink?.close();
    await db?.close();
    await database?.drop();
  });

  it(`delivers each message at most once and settles every one, over ${ROUNDS} kill rounds`, async () => {
    // the demo's seeded generator: a seed replays the same kill schedule
    const rng = new Random(SEED, 'chaos');
    const next = () => rng.next();
    for (let round = 0; round < ROUNDS; round++) {
      // one sender, or two racing; each killed at a random moment within its first seconds
      const racers = next() < 0.4 ? 2 : 1;
      const senders = Array.from({ length: racers }, () => startSender(database.url, sink.url, 3600));
      const killAfter = 400 + Math.floor(next() * 2600);
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      for (const s of senders) s.child.kill('SIGKILL');
      await Promise.all(senders.map((s) => s.exit));
    }
    // a last sender that is not killed settles what the killed ones left behind
    const last = startSender(database.url, sink.url, 0);
    assert.equal(await last.exit, 0, 'the final sender finishes');

    const duplicates = [...sink.deliveriesById()].filter(([, n]) => n > 1);
    assert.deepEqual(duplicates, [], 'no Message-ID reached the SMTP server twice');

    const rows = await db.query<{ status: string; message_id: string | null }>(
      'SELECT status, message_id FROM outbox_messages ORDER BY id',
    );
    assert.equal(rows.length, MESSAGES);
    const byStatus = new Map<string, number>();
    for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const stuck = rows.filter((r) => r.status === 'planned' || r.status === 'sending');
    assert.deepEqual(
      stuck,
      [],
      `nothing left planned or sending (${JSON.stringify(Object.fromEntries(byStatus))})`,
    );
    const delivered = sink.deliveriesById();
    for (const r of rows) {
      assert.ok(['sent', 'unknown'].includes(r.status), `status ${r.status}`);
      // sent means the SMTP server has it; unknown is visible for a person (it may have arrived)
      if (r.status === 'sent')
        assert.equal(delivered.get(r.message_id ?? ''), 1, `${r.message_id} sent but not delivered`);
    }
    // every delivered message is accounted for in the outbox (as sent, or unknown to check)
    const known = new Set(rows.map((r) => r.message_id));
    for (const id of delivered.keys()) assert.ok(known.has(id), `delivered ${id} is not in the outbox`);
    process.stdout.write(
      `# chaos: ${ROUNDS} rounds (seed ${SEED}), ${MESSAGES} messages → ${JSON.stringify(Object.fromEntries(byStatus))}, ` +
        `${delivered.size} delivered once, 0 duplicates\n`,
    );
  });
});
