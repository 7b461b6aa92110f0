// Campaign effectiveness (PRODUCT §7): sent, bounce and reply rates, and the share of the
// listed balance paid within 7 and 30 days — capped per invoice, only matured windows, per
// currency — through the report function, the CLI runner's data and the API.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { campaignReport } from '../../src/reports/campaigns.ts';
import { type TestApi, testApi } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';

describeEachEngine('campaign effectiveness', (db) => {
  let api: TestApi;
  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('A', 'Alpha'), ('B', 'Beta');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT n, (SELECT id FROM customers WHERE external_id = c), n, '2026-01-01', '2026-01-31', cur, amt
        FROM (VALUES ('I1', 'A', 'EUR', 10000), ('I2', 'A', 'EUR', 5000), ('I3', 'B', 'EUR', 8000), ('I4', 'B', 'USD', 3000))
             AS v(n, c, cur, amt);
      -- m1 (A, past-due, sent 03-01) lists I1 and I2; m2 (B, past-due, sent 03-02) lists I3 and I4;
      -- m3 (A, final-notice, sent 03-28: its 7-day window is still open on 03-31)
      INSERT INTO outbox_messages (id, customer_id, campaign_key, step_key, template, language, dunning, planned_for, status, sent_at)
      VALUES (1, (SELECT id FROM customers WHERE external_id = 'A'), 'standard', 'past-due', 'past-due', 'en', true, '2026-03-01', 'sent', '2026-03-01T09:00:00Z'),
             (2, (SELECT id FROM customers WHERE external_id = 'B'), 'standard', 'past-due', 'past-due', 'en', true, '2026-03-02', 'sent', '2026-03-02T09:00:00Z'),
             (3, (SELECT id FROM customers WHERE external_id = 'A'), 'standard', 'final-notice', 'final-notice', 'en', true, '2026-03-28', 'sent', '2026-03-28T09:00:00Z'),
             (4, (SELECT id FROM customers WHERE external_id = 'A'), 'standard', 'past-due', 'past-due', 'en', true, '2026-03-29', 'planned', NULL);
      INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
      SELECT m, (SELECT id FROM invoices WHERE number = n), p, s, b
        FROM (VALUES (1, 'I1', 1, 'past-due', 10000), (1, 'I2', 2, 'past-due', 5000),
                     (2, 'I3', 1, 'past-due', 8000), (2, 'I4', 2, 'past-due', 3000),
                     (3, 'I2', 1, 'final-notice', 5000)) AS v(m, n, p, s, b);
      -- I1 paid in full on day 5 (12,000 paid but only 10,000 listed: capped);
      -- I2 paid 2,000 on day 20 (counts for 30 days only); I3 paid before the message (does not count)
      INSERT INTO payments (external_id, customer_id, date, amount, currency)
      VALUES ('P1', (SELECT id FROM customers WHERE external_id = 'A'), '2026-03-06', 12000, 'EUR'),
             ('P2', (SELECT id FROM customers WHERE external_id = 'A'), '2026-03-21', 2000, 'EUR'),
             ('P3', (SELECT id FROM customers WHERE external_id = 'B'), '2026-02-20', 1000, 'EUR');
      INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
      VALUES ((SELECT id FROM invoices WHERE number = 'I1'), 'payment', (SELECT id FROM payments WHERE external_id = 'P1'), 10000, '2026-03-06'),
             ((SELECT id FROM invoices WHERE number = 'I2'), 'payment', (SELECT id FROM payments WHERE external_id = 'P1'), 2000, '2026-03-06'),
             ((SELECT id FROM invoices WHERE number = 'I2'), 'payment', (SELECT id FROM payments WHERE external_id = 'P2'), 2000, '2026-03-21'),
             ((SELECT id FROM invoices WHERE number = 'I3'), 'payment', (SELECT id FROM payments WHERE external_id = 'P3'), 1000, '2026-02-20');
      INSERT INTO inbound_messages (source, sha256, raw, size, status, kind, outbox_message_id, processed_at)
      VALUES ('file', 'a', '\\x00', 1, 'processed', 'bounce', 2, now()),
             ('file', 'b', '\\x00', 1, 'processed', 'reply', 1, now()),
             ('file', 'c', '\\x00', 1, 'processed', 'reply', 1, now());`);
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  it('counts rates and paid shares per step and currency over matured windows', async () => {
    const report = await campaignReport(db(), { asOf: '2026-03-31', periodDays: 90 });
    assert.deepEqual(
      report.steps.map((s) => [
        s.campaign,
        s.step,
        s.sent,
        s.bounced,
        s.replied,
        s.matured_7d,
        s.matured_30d,
      ]),
      [
        ['standard', 'final-notice', 1, 0, 0, 0, 0],
        ['standard', 'past-due', 2, 1, 1, 2, 1],
      ],
    );
    const pastDue = report.steps[1]!;
    assert.equal(pastDue.bounce_rate, 50);
    assert.equal(pastDue.reply_rate, 50);
    // 7 days: listed EUR 100 + 50 + 80; paid 100 (capped) + 20 (P1's part of I2) = 120 of 230
    assert.deepEqual(pastDue.currencies.EUR, {
      listed_7d: '230.00',
      paid_7d: '120.00',
      paid_7d_share: (12000 / 23000) * 100,
      // 30 days: only m1 (sent 03-01) has matured: 100 + 40 of 150
      listed_30d: '150.00',
      paid_30d: '140.00',
      paid_30d_share: (14000 / 15000) * 100,
    });
    assert.equal(pastDue.currencies.USD?.paid_7d_share, 0);
    assert.equal(pastDue.currencies.USD?.paid_30d_share, null, 'no USD message has had 30 days yet');
  });

  it('serves the same report over the API', async () => {
    const r = await api.get('/api/v1/reports/campaigns?as_of=2026-03-31&period_days=90');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, await campaignReport(db(), { asOf: '2026-03-31', periodDays: 90 }));
    const empty = (await api.get('/api/v1/reports/campaigns?as_of=2026-02-01&period_days=10')).json as {
      steps: unknown[];
    };
    assert.deepEqual(empty.steps, []);
  });
});
