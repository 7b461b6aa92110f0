// Settings in a real browser (issue 7 item 7): an admin saves SMTP settings — the password
// shows as "•••• set" and is nowhere in the page's HTML afterwards — sends a test message to the
// catcher, generates a DKIM key and sees the TXT record, creates an API key (shown once) and
// adds a user; a collector opening #/settings is told it is for admins only and the server
// refuses the settings API. axe on the page; screenshot test-artifacts/workspace-settings.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../src/http/server.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { addUser } from '../../src/users/users.ts';
import { ARTIFACTS, describeInBrowser, type LaunchedBrowser } from '../support/browser.ts';
import { closeWorkspace, noSeriousViolations, openWorkspace, PASSWORD, signIn } from './support.ts';

const SMTP_PASSWORD = 'smtp-Browser-Secret-93e1';

describeInBrowser('workspace settings in a browser', () => {
  describe('workspace settings (1280×800)', () => {
    let db: Db;
    let server: RunningServer;
    let browser: LaunchedBrowser;
    let page: Page;
    const now = new Date();

    before(async () => {
      ({ db, server, browser, page } = await openWorkspace({
        now,
        prepare: async (db) => {
          await addUser(db, { email: 'admin@example.com', role: 'admin', password: PASSWORD });
        },
      }));
    });
    after(() => closeWorkspace({ browser, server, db }));

    const card = (name: string) => page.getByRole('region', { name });

    it('saves SMTP settings and never shows the password again', async () => {
      await signIn(page, server.url, 'admin@example.com');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      const smtp = card('Outgoing email (SMTP)');
      await smtp.getByTestId('smtp-transport').getByText('built-in mail catcher').waitFor();
      await smtp.getByLabel('Server').fill('smtp.example.com');
      await smtp.getByLabel('Port').fill('587');
      await smtp.getByLabel('User name').fill('ar@example.com');
      await smtp.getByRole('button', { name: 'Replace Password' }).click();
      await smtp.getByLabel('Password').fill(SMTP_PASSWORD);
      await smtp.getByRole('button', { name: 'Save' }).click();
      await smtp.getByRole('status').getByText('Saved.').waitFor();
      assert.equal(await smtp.getByTestId('secret-smtp-password').textContent(), '•••• set');
      await smtp
        .getByTestId('smtp-transport')
        .getByText('Messages are sent through smtp.example.com.')
        .waitFor();
      assert.ok(!(await page.content()).includes(SMTP_PASSWORD), 'the password is not in the page');
      const [row] = await db.query<{ value: string }>(
        "SELECT value FROM settings WHERE key = 'smtp.password'",
      );
      assert.equal(row?.value, SMTP_PASSWORD, 'saved as the sender must use it');
      await page.reload();
      await card('Outgoing email (SMTP)').getByTestId('secret-smtp-password').getByText('•••• set').waitFor();
      assert.ok(!(await page.content()).includes(SMTP_PASSWORD), 'nor after a reload');
      // back to the catcher, and a test message into it
      const again = card('Outgoing email (SMTP)');
      await again.getByRole('button', { name: 'Remove Password' }).click();
      await again.getByTestId('secret-smtp-password').getByText('not set').waitFor();
      await again.getByLabel('User name').fill('');
      await again.getByLabel('Port').fill('');
      await again.getByLabel('Server').fill('');
      await again.getByRole('button', { name: 'Save' }).click();
      await again.getByTestId('smtp-transport').getByText('built-in mail catcher').waitFor();
      await again.getByRole('button', { name: 'Send test' }).click();
      await again.getByTestId('send-test-result').getByText('caught by the built-in mail catcher').waitFor();
    });

    it('generates a DKIM key and shows the TXT record to publish', async () => {
      const dkim = card('DKIM signing');
      await dkim.getByText('No DKIM key yet').waitFor();
      await dkim.getByLabel('Domain').fill('example.com');
      await dkim.getByLabel('Selector').fill('ar2026');
      await dkim.getByRole('button', { name: 'Generate key' }).click();
      const record = dkim.getByTestId('dkim-record');
      await record.getByText('ar2026._domainkey.example.com').waitFor();
      assert.match((await record.textContent()) ?? '', /v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}/);
      assert.ok(!(await page.content()).includes('PRIVATE KEY'));
    });

    it('creates an API key that is shown once', async () => {
      const keys = card('API keys');
      await keys.getByLabel('Name').fill('erp-sync');
      await keys.getByRole('button', { name: 'Create key' }).click();
      const key = (await keys.getByTestId('new-api-key').textContent()) ?? '';
      assert.match(key, /^dw_[A-Za-z0-9_-]{43}$/);
      await keys
        .getByRole('row', { name: /erp-sync/ })
        .getByText(key.slice(0, 10))
        .waitFor();
      const r = await fetch(`${server.url}/api/v1/customers`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(r.status, 200, 'the key works');
      await page.reload();
      await card('API keys')
        .getByRole('row', { name: /erp-sync/ })
        .waitFor();
      assert.ok(!(await page.content()).includes(key), 'and is not shown again');
    });

    it('adds a user with a role', async () => {
      const users = card('Users');
      await users.getByLabel('Email').fill('new.collector@example.com');
      await users.getByLabel('Role', { exact: true }).selectOption('collector');
      await users.getByRole('button', { name: 'Add user' }).click();
      const password = (await users.getByTestId('new-user-password').textContent()) ?? '';
      assert.equal(password.length, 20);
      await users.getByRole('row', { name: /new\.collector@example\.com/ }).waitFor();
      const [user] = await db.query<{ role: string }>(
        "SELECT role FROM users WHERE email = 'new.collector@example.com'",
      );
      assert.equal(user?.role, 'collector');
      await page.getByRole('heading', { level: 1, name: 'Settings' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'workspace-settings.png'), fullPage: true });
      await noSeriousViolations(page);
    });

    it('tells a collector that settings are for admins, and the server agrees', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await signIn(page, server.url, 'collector@example.com');
      await page.goto(`${server.url}/app#/settings`);
      await page.getByTestId('admins-only').getByText('Settings are for admins only.').waitFor();
      assert.equal(await page.getByLabel('Server').count(), 0);
      const status = await page.evaluate(async () => (await fetch('/api/v1/settings')).status);
      assert.equal(status, 403);
      await noSeriousViolations(page);
    });
  });
});
