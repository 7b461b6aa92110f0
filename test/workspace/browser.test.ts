// The collector workspace in a real browser (issue 7's browser suite, first part): sign in;
// the dashboard's numbers equal the aging and metrics reports; find a customer and read its
// timeline; record a promise from the invoice list; complete a task from the worklist by
// keyboard; a viewer sees no actions and the server refuses its writes. axe-core on every
// page; screenshots in test-artifacts/. One browser launch; runs on PostgreSQL when
// TEST_DATABASE_URL is set, else on PGlite (the API suites cover both engines).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../src/http/server.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { agingReport, metricsReport } from '../../src/reports/index.ts';
import { ARTIFACTS, describeInBrowser, type LaunchedBrowser } from '../support/browser.ts';
import { closeWorkspace, noSeriousViolations, openWorkspace, signIn } from './support.ts';

describeInBrowser('workspace in a browser', () => {
  describe('workspace in a browser (1280×800)', () => {
    let db: Db;
    let server: RunningServer;
    let browser: LaunchedBrowser;
    let page: Page;
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const shot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `workspace-${name}.png`), fullPage: true });

    before(async () => {
      ({ db, server, browser, page } = await openWorkspace({ now }));
    });
    after(() => closeWorkspace({ browser, server, db }));

    it('signs in and shows the same receivables as the aging report', async () => {
      await page.goto(`${server.url}/app`);
      await page.getByLabel('Password').fill('wrong password here');
      await page.getByLabel('Email').fill('collector@example.com');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('the email address or the password is wrong').waitFor();
      await signIn(page, server.url, 'collector@example.com');
      const aging = await agingReport(db, { asOf: today });
      const fmt = (amount: string, currency: string) =>
        new Intl.NumberFormat('en', { style: 'currency', currency, minimumFractionDigits: 2 }).format(
          Number(amount),
        );
      for (const [currency, buckets] of Object.entries(aging.currencies)) {
        assert.equal(await page.getByTestId(`ar-${currency}`).textContent(), fmt(buckets.total, currency));
      }
      const metrics = await metricsReport(db, { asOf: today, periodDays: 90 });
      const dso = metrics.currencies.EUR?.dso;
      assert.ok(typeof dso === 'number');
      assert.equal(await page.getByTestId('dso-EUR').textContent(), `${dso.toFixed(1)} days`);
      await shot('dashboard');
      await noSeriousViolations(page);
    });

    it('finds a customer and reads its timeline', async () => {
      await page.getByRole('link', { name: 'Customers' }).click();
      await page.getByPlaceholder('Search name or ID').fill('bright');
      await page.getByRole('link', { name: 'Brightwater Foods' }).click();
      await page.getByRole('heading', { level: 1, name: 'Brightwater Foods' }).waitFor();
      await page.getByText('message.sent').waitFor();
      await page.getByText('Overdue: INV-1').waitFor();
      await shot('customer');
      await noSeriousViolations(page);
    });

    it('records a promise to pay that lands on the timeline and in the ledger', async () => {
      const row = page.getByRole('row', { name: /INV-1/ });
      await row.getByRole('button', { name: 'Promise' }).click();
      const dialog = page.getByRole('dialog');
      const promised = new Date(now.getTime() + 7 * 86400_000).toISOString().slice(0, 10);
      await dialog.getByLabel('Promised payment date').fill(promised);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByText('promise.created').waitFor();
      const [promise] = await db.query<{ promised_date: string }>('SELECT promised_date FROM promises');
      assert.equal(promise?.promised_date, promised);
    });

    it('completes a task from the worklist with the keyboard', async () => {
      await page.getByRole('link', { name: 'Worklist' }).click();
      await page.getByText('Call about INV-1').waitFor();
      await shot('worklist');
      await noSeriousViolations(page);
      await page.keyboard.press('x');
      await page.getByText('No open tasks. Well done.').waitFor();
      const [task] = await db.query<{ status: string }>('SELECT status FROM tasks');
      assert.equal(task?.status, 'done');
    });

    it('assigns an unassigned reply to its customer from the inbox', async () => {
      await page.getByRole('link', { name: 'Inbox' }).click();
      await page.getByRole('heading', { level: 2, name: 'Question about our account' }).waitFor();
      await shot('inbox');
      await noSeriousViolations(page);
      await page.getByLabel('Customer ID').fill('C-100');
      await page.getByRole('button', { name: 'Assign', exact: true }).click();
      await page.getByText('Every message has found its customer.').waitFor();
      const [row] = await db.query<{ external_id: string }>(
        'SELECT c.external_id FROM inbound_messages m JOIN customers c ON c.id = m.customer_id',
      );
      assert.equal(row?.external_id, 'C-100');
    });

    it('shows the 30-day forecast as the API computes it', async () => {
      await page.getByRole('link', { name: 'Forecast' }).click();
      await page.getByRole('heading', { level: 1, name: 'Forecast' }).waitFor();
      const days = (await page.evaluate(async () => (await fetch('/api/v1/forecast?days=30')).json())) as {
        date: string;
        messages: unknown[];
        tasks: unknown[];
      }[];
      assert.equal(days.length, 30);
      assert.ok(
        days.some((d) => d.messages.length > 0),
        'the default campaigns plan something',
      );
      for (const day of days.slice(0, 5)) {
        assert.equal(
          await page.getByTestId(`forecast-${day.date}`).textContent(),
          `messages: ${day.messages.length}, tasks: ${day.tasks.length}`,
        );
      }
      await shot('forecast');
      await noSeriousViolations(page);
    });

    it('pinpoints an error in a template being edited, and previews it for a customer', async () => {
      await page.getByRole('link', { name: 'Templates' }).click();
      await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
      await page.getByRole('combobox', { name: 'Template' }).selectOption('reminder/en');
      const subject = page.getByLabel('Subject');
      await subject.waitFor();
      await page.getByLabel('Preview for customer (ID)').fill('C-100');
      await page.locator('iframe.mail').waitFor();
      await subject.fill('Reminder for {{ customer.nmae }}');
      const problem = page.getByTestId('template-problem');
      await problem.waitFor();
      assert.match((await problem.textContent()) ?? '', /subject, line 1, column \d+/);
      await shot('templates');
      await noSeriousViolations(page);
    });

    it('gives a viewer no actions, and the server refuses its writes', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await signIn(page, server.url, 'viewer@example.com');
      await page.goto(`${server.url}/app#/customers/C-100`);
      await page.getByRole('heading', { level: 1, name: 'Brightwater Foods' }).waitFor();
      await page.getByRole('row', { name: /INV-2/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Promise', exact: true }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Pause dunning' }).count(), 0);
      const status = await page.evaluate(async () => {
        const session = (await (await fetch('/api/session')).json()) as { csrf_token: string };
        const r = await fetch('/api/v1/invoices/INV-2/dispute', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
          body: JSON.stringify({ reason: 'test' }),
        });
        return r.status;
      });
      assert.equal(status, 403);
    });
  });
});
