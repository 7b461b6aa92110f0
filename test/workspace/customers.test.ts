// The workspace's customer list, disputes board and password reset in a real browser (issue 7
// items 1, 3 and 4): filter the list, save the filter as a view, reload and apply it, select
// two customers and tag them in bulk; open a dispute through the API and resolve it from the
// board; ask for a reset link, read the mail the sender delivered to the built-in catcher, set
// a new password through the link, see the old session refused and sign in with the new one.
// axe on each page; screenshots test-artifacts/workspace-customers.png and -disputes.png.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../src/http/server.ts';
import { drainOutbox } from '../../src/messages/sender/index.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { ARTIFACTS, describeInBrowser, type LaunchedBrowser } from '../support/browser.ts';
import { closeWorkspace, noSeriousViolations, openWorkspace, signIn } from './support.ts';

const NEW_PASSWORD = 'a fresh workspace secret 7';

describeInBrowser('workspace customers in a browser', () => {
  describe('workspace customers, disputes board and password reset (1280×800)', () => {
    let db: Db;
    let server: RunningServer;
    let browser: LaunchedBrowser;
    let page: Page;
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const shot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `workspace-${name}.png`), fullPage: true });

    before(async () => {
      ({ db, server, browser, page } = await openWorkspace({
        now,
        prepare: async (db) => {
          // a second high-priority customer, and one more in the list that the filter leaves out
          await db.exec(`
            INSERT INTO customers (external_id, name, priority) VALUES ('C-300', 'Alpine Tools', 'high'), ('C-400', 'Zephyr Retail', 'low');
            INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
              SELECT 'INV-4', id, 'INV-4', date '${today}' - 75, date '${today}' - 45, 'EUR', 250000 FROM customers WHERE external_id = 'C-300';`);
        },
      }));
    });
    after(() => closeWorkspace({ browser, server, db }));

    const names = async () =>
      (await page.locator('table.list tbody tr td:nth-child(2) a').allTextContents()).map((s) => s.trim());

    it('filters the list, saves the view, reloads and applies it, and tags two customers in bulk', async () => {
      await signIn(page, server.url, 'collector@example.com');
      await page.getByRole('link', { name: 'Customers' }).click();
      await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
      await page.getByRole('link', { name: 'Zephyr Retail' }).waitFor();
      await page.getByRole('combobox', { name: 'Priority' }).selectOption('high');
      await page.getByRole('link', { name: 'Zephyr Retail' }).waitFor({ state: 'detached' });
      assert.deepEqual(await names(), ['Alpine Tools', 'Brightwater Foods']);

      await page.getByRole('button', { name: 'Save view' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('View name').fill('High priority');
      await dialog.getByLabel('Share with the team').check();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached' });
      const [view] = await db.query<{ name: string; shared: boolean; state: unknown }>(
        'SELECT name, shared, state FROM saved_views',
      );
      assert.deepEqual(view, { name: 'High priority', shared: true, state: { priority: 'high' } });

      await page.reload();
      await page.getByRole('link', { name: 'Zephyr Retail' }).waitFor();
      await page.getByRole('combobox', { name: 'View' }).selectOption({ label: 'High priority' });
      await page.getByRole('link', { name: 'Zephyr Retail' }).waitFor({ state: 'detached' });
      assert.deepEqual(await names(), ['Alpine Tools', 'Brightwater Foods']);
      assert.equal(await page.getByRole('combobox', { name: 'Priority' }).inputValue(), 'high');

      await page.getByRole('checkbox', { name: 'Select Alpine Tools' }).check();
      await page.getByRole('checkbox', { name: 'Select Brightwater Foods' }).check();
      const bulk = page.getByRole('region', { name: 'Bulk actions' });
      await bulk.getByText('2 selected').waitFor();
      await bulk.getByRole('combobox', { name: 'Action' }).selectOption('add_tag');
      await bulk.getByRole('textbox', { name: 'Tag' }).fill('watch');
      await bulk.getByRole('button', { name: 'Apply to 2' }).click();
      await page.getByRole('status').getByText('Tag added. 2 changed, 0 already so (2 customers).').waitFor();
      for (const id of ['C-300', 'C-100']) {
        await page.getByTestId(`tag-${id}`).getByText('watch').waitFor();
      }
      const tagged = await db.query<{ external_id: string }>(
        `SELECT external_id FROM customers WHERE 'watch' = ANY (tags) ORDER BY 1`,
      );
      assert.deepEqual(
        tagged.map((r) => r.external_id),
        ['C-100', 'C-300'],
      );
      const events = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'customer.tagged' AND actor = 'user:collector@example.com'`,
      );
      assert.equal(events[0]?.n, 2);
      await shot('customers');
      await noSeriousViolations(page);
    });

    it('shows a dispute opened through the API on the board and resolves it there', async () => {
      const status = await page.evaluate(async () => {
        const session = (await (await fetch('/api/session')).json()) as { csrf_token: string };
        const r = await fetch('/api/v1/invoices/INV-4/dispute', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
          body: JSON.stringify({ reason: 'Goods damaged', note: 'Two crates arrived broken' }),
        });
        return r.status;
      });
      assert.equal(status, 201);
      await page.getByRole('link', { name: 'Disputes' }).click();
      await page.getByRole('heading', { level: 1, name: 'Disputes board' }).waitFor();
      const column = page.getByRole('region', { name: 'Goods damaged' });
      const card = column.getByTestId('dispute-INV-4');
      await card.getByText('Two crates arrived broken').waitFor();
      await card.getByRole('link', { name: 'Alpine Tools' }).waitFor();
      await card.getByText('€2,500.00').waitFor();
      await shot('disputes');
      await noSeriousViolations(page);
      await card.getByRole('button', { name: 'Resolve' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Resolution (optional)').fill('Credit note issued');
      await dialog.getByRole('button', { name: 'Resolve' }).click();
      await page.getByText('The dispute on INV-4 is resolved; dunning for it resumes.').waitFor();
      await page.getByText('No open disputes.').waitFor();
      const [dispute] = await db.query<{ status: string; resolution: string; resolved_by: string }>(
        'SELECT status, resolution, resolved_by FROM disputes',
      );
      assert.deepEqual(dispute, {
        status: 'resolved',
        resolution: 'Credit note issued',
        resolved_by: 'user:collector@example.com',
      });
    });

    it('resets a password by the e-mailed link: the old session is refused, the new password signs in', async () => {
      const oldCookie = (await browser.context.cookies()).find((c) => c.name === 'dunwell_session');
      assert.ok(oldCookie);
      await page.goto(`${server.url}/app#/reset-password`);
      await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
      await noSeriousViolations(page);
      await page.getByLabel('Email').fill('collector@example.com');
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByText('a link to set a new password is on its way').waitFor();

      // the sender, in-process, delivers the queued mail to the built-in catcher
      const config = loadConfig({}, mkdtempSync(join(tmpdir(), 'dunwell-cfg-')));
      const counts = await drainOutbox(db, { clock: fixedClock(new Date()), config });
      assert.equal(counts.sent, 1);
      const [caught] = await db.query<{ raw: Uint8Array; envelope_to: string[] }>(
        'SELECT raw, envelope_to FROM outbound_mail WHERE system_mail_id IS NOT NULL',
      );
      assert.deepEqual(caught?.envelope_to, ['collector@example.com']);
      const mail = await simpleParser(Buffer.from(caught!.raw));
      assert.equal(mail.subject, 'Set a new password for your Dunwell workspace');
      const link = /(https?:\/\/\S+\/app#\/reset-password\?token=\S+)/.exec(mail.text ?? '')?.[1];
      assert.ok(link, mail.text);
      // DUNWELL_PUBLIC_URL is not this test server's address: open the same path here
      await page.goto(`${server.url}${new URL(link).pathname}${new URL(link).hash}`);
      await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByText('Your password is changed. Sign in as collector@example.com').waitFor();

      const refused = await fetch(`${server.url}/api/v1/customers`, {
        headers: { cookie: `dunwell_session=${oldCookie.value}` },
      });
      assert.equal(refused.status, 401, 'the session from before the reset has ended');

      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Email').fill('collector@example.com');
      await page.getByLabel('Password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    });
  });
});
