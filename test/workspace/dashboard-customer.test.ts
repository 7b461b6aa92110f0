// The dashboard and the customer page in a real browser (issue 7 items 2 and 3): the 12-month
// trend shows what the trend API computes; a figure's drill-down lists rows that sum to the
// figure clicked (an aging bucket, a week of cash); on the customer page a collector adds a
// note, logs a call with a follow-up task, queues a one-off message (timeline and outbox) and
// changes the campaign; a viewer sees none of those actions and the server refuses them.
// axe on every page; screenshots test-artifacts/workspace-dashboard.png and
// workspace-customer.png. PostgreSQL when TEST_DATABASE_URL is set, else PGlite.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/http/server.ts';
import { addDays } from '../../src/ledger/dates.ts';
import { parseAmount } from '../../src/ledger/money.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { cashReport, trendReport } from '../../src/reports/dashboard.ts';
import { agingReport } from '../../src/reports/index.ts';
import { ARTIFACTS, describeInBrowser, type LaunchedBrowser, launchBrowser } from '../support/browser.ts';
import { engines, freshDb } from '../support/db.ts';
import { noSeriousViolations, seed, signIn } from './support.ts';

describeInBrowser('dashboard and customer page in a browser', () => {
  describe('dashboard and customer page (1280×800)', () => {
    const engine = engines().includes('postgres') ? 'postgres' : 'pglite';
    let db: Db;
    let server: RunningServer;
    let browser: LaunchedBrowser;
    let page: Page;
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const shot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `workspace-${name}.png`), fullPage: true });
    /** the raw amounts of the drill-down's rows, summed in minor units */
    const drillSum = async (currency: string) => {
      const amounts = await page
        .getByTestId('drill-rows')
        .locator('td[data-amount]')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-amount') ?? '0'));
      return { rows: amounts.length, sum: amounts.reduce((s, a) => s + parseAmount(a, currency), 0) };
    };

    before(async () => {
      db = await freshDb(engine);
      await seed(db, today);
      // cash: two payments this week and one four weeks ago; a paid invoice of last quarter
      await db.exec(`
        INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
          SELECT 'INV-0', id, 'INV-0', date '${today}' - 80, date '${today}' - 50, 'EUR', 30000 FROM customers WHERE external_id = 'C-100';
        INSERT INTO payments (external_id, customer_id, date, amount, currency, reference)
          SELECT p.ext, c.id, p.d, p.amount, 'EUR', p.ref FROM customers c
           CROSS JOIN (VALUES ('P-1', date '${today}', 5000, 'INV-2'), ('P-2', date '${today}', 2500, 'INV-2'),
                              ('P-3', date '${addDays(today, -28)}', 30000, 'INV-0')) AS p(ext, d, amount, ref)
           WHERE c.external_id = 'C-100';
        INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
          SELECT i.id, 'payment', p.id, p.amount, p.date FROM payments p JOIN invoices i ON i.number = p.reference;`);
      server = await startServer({ db, clock: fixedClock(now), port: 0 });
      browser = await launchBrowser({ width: 1280, height: 800 });
      page = browser.page;
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await db?.close();
    });

    it('shows the 12-month trend with the formulas beside it, as the trend API computes it', async () => {
      await signIn(page, server.url, 'collector@example.com');
      await page.getByRole('region', { name: 'Trend over 12 months' }).waitFor();
      const trend = await trendReport(db, { asOf: today, periodDays: 90 });
      const last = trend.currencies.EUR?.at(-1);
      assert.ok(last && typeof last.dso === 'number');
      assert.equal(await page.getByTestId('trend-dso-EUR').textContent(), `${last.dso.toFixed(1)} days`);
      assert.equal(
        await page.getByTestId('trend-countback_dso-EUR').textContent(),
        `${last.countback_dso.toFixed(1)} days`,
      );
      const chart = page.getByRole('figure', { name: /DSO in EUR, month ends/ }).first();
      await chart.waitFor();
      assert.ok((await chart.locator('circle').count()) >= 1);
      await page
        .getByRole('table', { name: 'Trend over 12 months EUR' })
        .getByRole('cell', { name: 'AR(D) ÷ credit sales × P' })
        .waitFor();
      await page.getByTestId('activity-sent').waitFor();
      await shot('dashboard');
      await noSeriousViolations(page);
    });

    it('drills from an aging bucket to invoices that sum to the number clicked', async () => {
      const aging = await agingReport(db, { asOf: today });
      const figure = aging.currencies.EUR?.['1-30'];
      assert.ok(figure && parseAmount(figure, 'EUR') > 0, JSON.stringify(aging));
      await page.getByTestId('aging-EUR-1-30').click();
      await page.getByRole('heading', { level: 1, name: /EUR · 1-30/ }).waitFor();
      await page.getByTestId('drill-rows').waitFor();
      const { rows, sum } = await drillSum('EUR');
      assert.equal(sum, parseAmount(figure, 'EUR'));
      assert.ok(rows >= 1);
      assert.equal(
        await page.getByTestId('drill-total').textContent(),
        new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(Number(figure)),
      );
      await noSeriousViolations(page);

      // the whole EUR receivable: every open invoice, summing to the AR total
      await page.getByRole('link', { name: /Back to the dashboard/ }).click();
      await page.getByTestId('ar-EUR').click();
      await page.getByRole('heading', { level: 1, name: /EUR · All open/ }).waitFor();
      await page.getByTestId('drill-rows').waitFor();
      assert.equal((await drillSum('EUR')).sum, parseAmount(aging.currencies.EUR!.total, 'EUR'));
    });

    it('drills from a week of cash collected to the payments that make it', async () => {
      const cash = await cashReport(db, { asOf: today });
      const week = cash.weeks.at(-1)!;
      assert.equal(week.amounts.EUR, '75.00');
      await page.goto(`${server.url}/app#/`);
      await page.getByTestId(`cash-EUR-${week.week_start}`).click();
      await page.getByRole('heading', { level: 1, name: /EUR · payments/ }).waitFor();
      await page.getByTestId('drill-rows').waitFor();
      assert.deepEqual(await drillSum('EUR'), { rows: 2, sum: 7500 });
    });

    it('adds a note, logs a call, queues a one-off message and changes the campaign on the customer page', async () => {
      await page.goto(`${server.url}/app#/customers/C-100`);
      await page.getByRole('heading', { level: 1, name: 'Brightwater Foods' }).waitFor();
      await page.getByTestId('customer-risk').waitFor();
      // INV-0 (its only paid invoice) was paid 22 days after its due date
      assert.equal(
        await page.getByTestId('customer-days-late').textContent(),
        '22.0 days (paid invoices, last 12 months, weighted by amount)',
      );

      await page.getByRole('button', { name: 'Add note' }).click();
      await page.getByRole('dialog').getByLabel('Note').fill('Asked for the remittance advice');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await page.getByText('Asked for the remittance advice').waitFor();
      await page.getByText('note.added').waitFor();

      await page.getByRole('button', { name: 'Log call' }).click();
      const call = page.getByRole('dialog');
      await call.getByLabel('Outcome').selectOption('promised');
      await call.getByLabel('What was said').fill('Will pay INV-1 next week');
      await call.getByLabel('Next step', { exact: true }).fill('Check INV-1 was paid');
      await call.getByLabel('Next step on (opens a task)').fill(addDays(today, 7));
      await call.getByRole('button', { name: 'Save' }).click();
      await page.getByText('call.logged').waitFor();
      const [task] = await db.query<{ title: string; due: string }>(
        "SELECT title, due FROM tasks WHERE title = 'Check INV-1 was paid'",
      );
      assert.deepEqual(task, { title: 'Check INV-1 was paid', due: addDays(today, 7) });

      await page.getByRole('button', { name: 'Send message' }).click();
      const message = page.getByRole('dialog');
      await message.getByLabel('Template').selectOption('past-due');
      await message.getByRole('button', { name: 'Queue message' }).click();
      await page.getByRole('status').getByText('Message queued').waitFor();
      await page.getByText('message.queued').waitFor();
      const outbox = await db.query<{ campaign_key: string; template: string; status: string }>(
        `SELECT m.campaign_key, m.template, m.status FROM outbox_messages m JOIN customers c ON c.id = m.customer_id
          WHERE c.external_id = 'C-100' AND m.campaign_key = 'manual'`,
      );
      assert.deepEqual(outbox, [{ campaign_key: 'manual', template: 'past-due', status: 'planned' }]);

      await page.getByRole('button', { name: 'Change campaign' }).click();
      await page.getByRole('dialog').getByLabel('Campaign').selectOption('key-accounts');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await page.getByText('customer.campaign_changed').waitFor();
      assert.equal(await page.getByTestId('customer-campaign').textContent(), 'key-accounts');
      const [row] = await db.query<{ campaign_key: string }>(
        "SELECT campaign_key FROM customers WHERE external_id = 'C-100'",
      );
      assert.equal(row?.campaign_key, 'key-accounts');

      await page.getByRole('button', { name: 'Paid', exact: true }).click();
      await page.getByRole('row', { name: /INV-0/ }).waitFor();
      await page.getByRole('link', { name: 'PDF of invoice INV-0' }).waitFor();
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByRole('row', { name: /INV-1/ }).waitFor();
      await shot('customer');
      await noSeriousViolations(page);
    });

    it('gives a viewer none of the customer actions, and the server refuses them', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await signIn(page, server.url, 'viewer@example.com');
      await page.goto(`${server.url}/app#/customers/C-100`);
      await page.getByRole('heading', { level: 1, name: 'Brightwater Foods' }).waitFor();
      await page.getByTestId('customer-risk').waitFor();
      for (const name of ['Send message', 'Add note', 'Log call', 'Change campaign']) {
        assert.equal(await page.getByRole('button', { name }).count(), 0, name);
      }
      const requests: [string, string, unknown][] = [
        ['POST', '/api/v1/customers/C-100/notes', { body: 'x' }],
        ['POST', '/api/v1/customers/C-100/calls', { outcome: 'reached' }],
        ['POST', '/api/v1/customers/C-100/messages', { template: 'past-due' }],
        ['PUT', '/api/v1/customers/C-100/campaign', { campaign: null }],
      ];
      const statuses = await page.evaluate(async (list) => {
        const session = (await (await fetch('/api/session')).json()) as { csrf_token: string };
        const answers: number[] = [];
        for (const [method, url, body] of list) {
          const r = await fetch(url, {
            method,
            headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
            body: JSON.stringify(body),
          });
          answers.push(r.status);
        }
        return answers;
      }, requests);
      assert.deepEqual(statuses, [403, 403, 403, 403]);
    });
  });
});
