// Settings → Email: "send test" goes out at once through the configured SMTP server (a
// loopback sink here) and reports its exact answer, or into the built-in catcher when none is
// configured; it is rate-limited. And the workers follow the settings: a sender started
// before an SMTP server was saved sends through it from its next round, without a restart.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { startSender } from '../../src/messages/worker.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { saveSection } from '../../src/settings/index.ts';
import { signIn } from '../../src/users/sessions.ts';
import { addUser } from '../../src/users/users.ts';
import { NOW } from '../http/support.ts';
import { addCustomer, planMessage } from '../messages/support/sender-fixture.ts';
import { type SmtpSink, startSmtpSink } from '../messages/support/smtp-sink.ts';
import { describeEachEngine } from '../support/db.ts';

const PASSWORD = 'settings password 1234';

describeEachEngine('settings: send test and workers', (db) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  let admin: Record<string, string>;
  before(async () => {
    sink = await startSmtpSink({ rejectRecipients: ['nobody@example.com'] });
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
    await addUser(db(), { email: 'admin@example.com', role: 'admin', password: PASSWORD });
    const s = await signIn(
      db(),
      { email: 'admin@example.com', password: PASSWORD, client: 't' },
      new Date(NOW),
    );
    admin = { cookie: `dunwell_session=${s.token}`, 'x-csrf-token': s.csrfToken };
  });
  after(async () => {
    await app.close();
    await sink.close();
  });

  const sendTest = async (body: unknown = {}) => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/settings/smtp/test',
      headers: admin,
      payload: body as Record<string, unknown>,
    });
    return {
      status: r.statusCode,
      json: JSON.parse(r.body) as Record<string, unknown> & { error?: { message: string } },
    };
  };

  it('sends the test to the signed-in admin through the catcher when no SMTP server is set', async () => {
    const r = await sendTest();
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.transport, 'catcher');
    assert.equal(r.json.to, 'admin@example.com');
    const [row] = await db().query<{ envelope_to: string; raw: Uint8Array; transport: string }>(
      'SELECT envelope_to, raw, transport FROM settings_test_mail ORDER BY id DESC LIMIT 1',
    );
    assert.equal(row?.envelope_to, 'admin@example.com');
    const raw = Buffer.from(row?.raw ?? new Uint8Array()).toString('latin1');
    assert.match(raw, /^To: admin@example\.com\r$/m);
    assert.match(raw, /^Subject: Dunwell test message\r$/m);
    assert.equal(await sink.messages.length, 0);
  });

  it('sends through the saved SMTP server now and reports its answer, or its refusal', async () => {
    await saveSection(db(), 'smtp', { host: '127.0.0.1', port: sink.port, security: 'starttls' }, 'test');
    const r = await sendTest({ to: 'ops@example.com' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.ok, true);
    assert.equal(r.json.transport, 'smtp');
    assert.match(String(r.json.response), /^250 /);
    assert.deepEqual(
      sink.messages.map((m) => m.to),
      [['ops@example.com']],
    );
    assert.equal(sink.messages[0]?.messageId, r.json.message_id);
    const refused = await sendTest({ to: 'nobody@example.com' });
    assert.equal(refused.status, 200);
    assert.equal(refused.json.ok, false);
    assert.match(String(refused.json.response), /550.*no such user here/);
    const bad = await sendTest({ to: 'not an address' });
    assert.equal(bad.status, 422);
    assert.match(bad.json.error?.message ?? '', /^to: is not an e-mail address/);
  });

  it('allows five test messages per caller in ten minutes', async () => {
    // three were sent above (a refused address counts; one that is not an address does not)
    let status = 200;
    let sent = 0;
    while (status === 200 && sent < 10) {
      const r = await sendTest({ to: 'ops@example.com' });
      status = r.status;
      if (status === 200) sent++;
    }
    assert.equal(status, 429);
    const [{ n } = { n: 0 }] = await db().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rate_events WHERE bucket = 'settings-test-mail:user:admin@example.com'",
    );
    assert.equal(n, 5);
  });

  it('a running sender picks up SMTP settings saved after it started', async () => {
    await db().execute('DELETE FROM settings');
    const customerId = await addCustomer(db(), 'C-1', 'Brightwater Foods', [
      { name: 'Ana', email: 'ana@brightwater.example' },
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const first = await planMessage(db(), {
      customerId,
      template: 'statement',
      plannedFor: today,
      to: [{ name: 'Ana', email: 'ana@brightwater.example' }],
    });
    const previous = process.env.DUNWELL_SENDER_INTERVAL_SECONDS;
    process.env.DUNWELL_SENDER_INTERVAL_SECONDS = '0.05';
    const lines: string[] = [];
    const stop = await startSender({ db: db(), clock: { now: () => new Date() }, log: (l) => lines.push(l) });
    try {
      const transportOf = async (outboxId: number) => {
        for (let i = 0; i < 400; i++) {
          const [row] = await db().query<{ transport: string }>(
            'SELECT transport FROM outbound_mail WHERE outbox_message_id = $1',
            [outboxId],
          );
          if (row) return row.transport;
          await new Promise((r) => setTimeout(r, 50));
        }
        return `not sent (${lines.join('; ')})`;
      };
      assert.equal(await transportOf(first), 'catcher', 'no SMTP server configured yet');
      await saveSection(db(), 'smtp', { host: '127.0.0.1', port: sink.port }, 'test');
      // the change is picked up at the start of the sender's next round; a round already under
      // way when it was saved still drains with the transport it began with
      for (let i = 0; i < 400 && !lines.some((l) => /mail settings changed/.test(l)); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const before = sink.messages.length;
      const second = await planMessage(db(), {
        customerId,
        template: 'statement',
        plannedFor: today,
        to: [{ name: 'Ana', email: 'ana@brightwater.example' }],
      });
      assert.equal(await transportOf(second), 'smtp');
      assert.deepEqual(
        sink.messages.slice(before).map((m) => m.to),
        [['ana@brightwater.example']],
      );
      assert.ok(lines.some((l) => /mail settings changed/.test(l)));
    } finally {
      await stop();
      if (previous === undefined) delete process.env.DUNWELL_SENDER_INTERVAL_SECONDS;
      else process.env.DUNWELL_SENDER_INTERVAL_SECONDS = previous;
    }
  });
});
