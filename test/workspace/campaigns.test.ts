// The campaign editor in a real browser (issue 7 item 5): an admin edits a step's offset,
// sees the draft checked as they type (a clash is refused at its line and column), previews
// the forecast diff, saves, and the forecast moves; a viewer explores read-only. axe-core on
// the page; screenshot test-artifacts/workspace-campaigns.png. Runs on PostgreSQL when
// TEST_DATABASE_URL is set, else on PGlite (the API suites cover both engines).
//
// The campaign the test applies sends every day (no weekend shifts), so with TODAY = the
// organisation's today and INV-2 due TODAY + 20:
//   due (0) → TODAY + 20, late (+3) → TODAY + 23; with late at +5 → TODAY + 25.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { organisationToday } from '../../src/campaigns/load.ts';
import { applyCampaignFile, loadActiveCampaigns } from '../../src/campaigns/store.ts';
import type { RunningServer } from '../../src/http/server.ts';
import { addDays } from '../../src/ledger/dates.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { addUser } from '../../src/users/users.ts';
import { ARTIFACTS, describeInBrowser, type LaunchedBrowser } from '../support/browser.ts';
import { closeWorkspace, noSeriousViolations, openWorkspace, PASSWORD, signIn } from './support.ts';

const FILE = `
campaigns:
  - key: standard
    name: Standard accounts
    send_on: [mon, tue, wed, thu, fri, sat, sun]
    min_days_between: 1
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: late, offset_days: 3, template: past-due }
      - { key: final, offset_days: 20, template: final-notice }
  - key: welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome } ]
`;

describeInBrowser('campaign editor in a browser', () => {
  describe('campaign editor in a browser (1280×900)', () => {
    let db: Db;
    let server: RunningServer;
    let browser: LaunchedBrowser;
    let page: Page;
    let today: string;
    const now = new Date();

    before(async () => {
      ({ db, server, browser, page } = await openWorkspace({
        now,
        width: 1280,
        height: 900,
        prepare: async (db) => {
          today = await organisationToday(db, fixedClock(now));
          // INV-2's due date relative to the organisation's today (the seed used UTC's).
          await db.query("UPDATE invoices SET due_date = $1::date WHERE number = 'INV-2'", [
            addDays(today, 20),
          ]);
          await applyCampaignFile(db, { text: FILE, fileName: 'test.yaml', actor: 'test' });
          await addUser(db, { email: 'admin@example.com', role: 'admin', password: PASSWORD });
          // One A/B firing of step "due" (arm b), sent 20 days ago and listing INV-1 (unpaid): the
          // A/B results card shows arm b with 1 customer, 1 invoice, 0 of 1 paid within 7 days.
          await db.exec(`
            INSERT INTO outbox_messages (id, customer_id, campaign_key, step_key, template, language, dunning, planned_for, status, sent_at, ab_arm)
            SELECT 9001, id, 'standard', 'due', 'due-today', 'en', true, date '${today}' - 20, 'sent', (date '${today}' - 20) + time '12:00', 'b'
              FROM customers WHERE external_id = 'C-100';
            INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
            SELECT 9001, id, 1, 'due', open_balance FROM invoices WHERE number = 'INV-1';
            INSERT INTO engine_firings (slot_key, customer_id, invoice_id, campaign_key, step_key, occurrence, slot_offset, fired_on, outcome, message_id, ab_arm)
            SELECT 'inv:' || i.id || ':standard:due:0', i.customer_id, i.id, 'standard', 'due', 0, 0, date '${today}' - 20, 'fired', 9001, 'b'
              FROM invoices i WHERE number = 'INV-1';`);
        },
      }));
    });
    after(() => closeWorkspace({ browser, server, db }));

    const forecastText = async (day: string) => {
      await page.goto(`${server.url}/app#/forecast`);
      return (await page.getByTestId(`forecast-${day}`).textContent()) ?? '';
    };

    it('edits a step, refuses a clash as you type, previews the forecast diff, saves, and the forecast moves', async () => {
      await signIn(page, server.url, 'admin@example.com');
      assert.equal(await forecastText(addDays(today, 23)), 'messages: 1, tasks: 0');
      assert.equal(await forecastText(addDays(today, 25)), 'messages: 0, tasks: 0');

      await page.goto(`${server.url}/app#/campaigns`);
      await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
      await page.getByTestId('campaign-valid').waitFor();
      const offset = page.getByLabel('Offset (days) of step late');
      assert.equal(await offset.inputValue(), '3');
      // The sample invoice's calendar lists every step of the campaign.
      await page.getByTestId('calendar-arm-a').getByText('final').waitFor();

      // Typing a clash: late on offset 0, which "due" uses. The server's problem shows up,
      // at its line and column, and the field is marked invalid; Save is disabled.
      await offset.fill('0');
      const problem = page.getByTestId('campaign-problem');
      await problem.waitFor();
      assert.match(
        (await problem.textContent()) ?? '',
        /step "late": offset_days puts a slot on offset 0.*line \d+, column \d+/,
      );
      assert.equal(await offset.getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByRole('button', { name: 'Save campaigns' }).isDisabled(), true);

      // By keyboard: select the field, type the new offset.
      await offset.focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('5');
      await page.getByTestId('campaign-valid').waitFor();
      await page.getByRole('button', { name: 'Preview changes' }).click();
      const rows = page.getByTestId('campaign-diff-row');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 1);
      const row = (await rows.first().textContent()) ?? '';
      assert.match(row, /moved/);
      assert.match(row, /C-100/);
      assert.match(row, /INV-2/);
      assert.match(row, /standard · late/);
      assert.match(
        (await page.getByTestId('campaign-diff-counts').textContent()) ?? '',
        /0 added, 0 removed, 1 moved, 0 with another template; 1 customers affected/,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'workspace-campaigns.png'), fullPage: true });
      await noSeriousViolations(page);

      await page.getByRole('button', { name: 'Save campaigns' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      const active = await loadActiveCampaigns(db);
      assert.equal(active?.campaigns[0]?.steps.find((s) => s.key === 'late')?.offsetDays, 5);
      assert.equal(await forecastText(addDays(today, 23)), 'messages: 0, tasks: 0');
      assert.equal(await forecastText(addDays(today, 25)), 'messages: 1, tasks: 0');
    });

    it('adds an A/B variant and shows both arms in the calendar', async () => {
      await page.goto(`${server.url}/app#/campaigns`);
      await page.getByTestId('campaign-valid').waitFor();
      await page.getByLabel('A/B variant of step due').selectOption('template');
      await page.getByTestId('calendar-arm-b').waitFor();
      assert.equal(await page.getByTestId('calendar-arm-a').isVisible(), true);
      await noSeriousViolations(page);
    });

    it('shows a viewer the campaigns read-only, with preview but no save', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, server.url, 'viewer@example.com');
      await page.goto(`${server.url}/app#/campaigns`);
      await page.getByTestId('campaign-valid').waitFor();
      assert.equal(await page.getByLabel('Offset (days) of step late').isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Save campaigns' }).count(), 0);
      await page.getByRole('button', { name: 'Preview changes' }).click();
      await page.getByTestId('campaign-diff-none').waitFor();
      const ab = page.getByTestId('ab-results-due');
      await ab.waitFor();
      const armB = (await ab.getByRole('row', { name: /^b/ }).textContent()) ?? '';
      // Sent 20 days ago: its 7-day window has passed (0 of 1 paid), its 30-day one has not.
      assert.match(armB, /^b110\.0 % \(0 of 1\)– \(0 of 0\)$/);
      await noSeriousViolations(page);
    });
  });
});
