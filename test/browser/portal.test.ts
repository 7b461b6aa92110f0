// The portal in a real browser at phone size (360×740): Debian's chromium driven by
// playwright-core, one launch per suite. Opens a signed link, sees the invoices, records a
// promise, opens a dispute, downloads a PDF, runs axe-core on each page (no serious or
// critical violation), checks keyboard access and that nothing scrolls sideways. Screenshots
// land in test-artifacts/ (git-ignored). Skips when chromium is missing, unless
// DUNWELL_REQUIRE_BROWSER=1 (CI), where a missing browser fails the suite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { linkPath, NOW, type Seeded, seedPortal } from '../portal/support.ts';
import {
  ARTIFACTS,
  describeInBrowser,
  describeViolations,
  type LaunchedBrowser,
  launchBrowser,
  seriousViolations,
} from '../support/browser.ts';
import { describeEachEngine } from '../support/db.ts';

describeInBrowser('portal in a browser', () => {
  describeEachEngine('portal in a browser (360×740)', (db, engine) => {
    let server: RunningServer;
    let page: Page;
    let browser: LaunchedBrowser;
    let seeded: Seeded;
    let link: string;
    const shot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `portal-${engine}-${name}.png`), fullPage: true });

    before(async () => {
      seeded = await seedPortal(db());
      server = await startServer({ db: db(), clock: fixedClock(NOW), port: 0 });
      link = server.url + (await linkPath(db(), seeded.a.id, seeded.a.contactId));
      browser = await launchBrowser({ width: 360, height: 740 });
      page = browser.page;
      page.setDefaultTimeout(10_000);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it('opens the link and shows the invoices, accessible and without sideways scrolling', async () => {
      const response = await page.goto(link);
      assert.equal(response?.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Your account with Acme Supplies GmbH' }).waitFor();
      for (const number of ['A-1', 'A-2', 'A-3']) {
        assert.equal(
          await page.getByRole('heading', { level: 3, name: `Invoice ${number}` }).count(),
          1,
          number,
        );
      }
      assert.equal(await page.getByText('Invoice B-1').count(), 0);
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      assert.ok(width <= 360, `the page is ${width}px wide at a 360px viewport`);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement?.id'), 'main');
      await shot('home');
      const violations = await seriousViolations(page);
      assert.deepEqual(violations, [], describeViolations(violations));
    });

    it('records a promise to pay from the form', async () => {
      await page.goto(link);
      await page.getByLabel('Invoice', { exact: true }).first().selectOption('A-1');
      await page.getByLabel('Payment date').fill('2026-03-27');
      await page.getByLabel(/^Amount \(optional/).fill('500.00');
      await page.getByRole('button', { name: 'Record payment date' }).click();
      await page
        .getByRole('status')
        .getByText(/you will pay invoice A-1 by Mar 27, 2026/)
        .waitFor();
      await shot('promise');
      const rows = await db().query('SELECT promised_date, amount FROM promises WHERE invoice_id = $1', [
        seeded.a.invoices['A-1'],
      ]);
      assert.deepEqual(rows, [{ promised_date: '2026-03-27', amount: 50000 }]);
      const violations = await seriousViolations(page);
      assert.deepEqual(violations, [], describeViolations(violations));
    });

    it('opens a dispute with a reason and a note', async () => {
      await page.goto(link);
      await page.locator('#dispute-invoice').selectOption('A-2');
      await page.getByLabel('Reason').selectOption({ label: 'Goods or services not received' });
      await page.getByLabel('What is wrong? (optional)').fill('The pallet never arrived.');
      await page.getByRole('button', { name: 'Send dispute' }).click();
      await page
        .getByRole('status')
        .getByText(/We received your dispute of invoice A-2/)
        .waitFor();
      await shot('dispute');
      assert.equal(await page.getByText('Disputed', { exact: true }).count(), 1);
      const rows = await db().query('SELECT reason, note FROM disputes WHERE invoice_id = $1', [
        seeded.a.invoices['A-2'],
      ]);
      assert.deepEqual(rows, [
        { reason: 'Goods or services not received', note: 'The pallet never arrived.' },
      ]);
    });

    it('downloads an invoice PDF', async () => {
      await page.goto(link);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'PDF of A-1' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'A-1.pdf');
      const file = await download.path();
      assert.equal(readFileSync(file).subarray(0, 5).toString('latin1'), '%PDF-');
    });

    it('explains an expired link and offers a new one, accessibly', async () => {
      const expired =
        server.url +
        (await linkPath(db(), seeded.a.id, seeded.a.contactId, {
          now: '2026-01-01T00:00:00Z',
          expiresAt: '2026-02-01T00:00:00Z',
        }));
      const response = await page.goto(expired);
      assert.equal(response?.status(), 410);
      await page.getByRole('heading', { level: 1, name: 'This link has expired' }).waitFor();
      await page.getByLabel('Your email address').fill('anna@alpha.example');
      await page.getByRole('button', { name: 'Send me a new link' }).click();
      await page
        .getByRole('status')
        .getByText(/a new link is on its way/)
        .waitFor();
      await shot('expired');
      const violations = await seriousViolations(page);
      assert.deepEqual(violations, [], describeViolations(violations));
    });
  });
});
