/**
 * What the workspace's browser suites share: a small seeded ledger (two customers, three
 * invoices, a task, a sent message, an unassigned reply, a collector and a viewer), signing in,
 * and the axe check. Each area's suite (test/workspace/*.test.ts) starts its own server on it.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { applyDemoDefaults } from '../../src/demo/load.ts';
import { type RunningServer, startServer } from '../../src/http/server.ts';
import { receiveInbound } from '../../src/inbound/intake/process.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { addUser } from '../../src/users/users.ts';
import {
  describeViolations,
  type LaunchedBrowser,
  launchBrowser,
  seriousViolations,
} from '../support/browser.ts';
import { engines, freshDb } from '../support/db.ts';

export const PASSWORD = 'workspace password 42';

export async function seed(db: Db, today: string): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name, priority) VALUES ('C-100', 'Brightwater Foods', 'high'), ('C-200', 'Nordlicht GmbH', 'normal');
    INSERT INTO contacts (external_id, customer_id, name, email)
      SELECT 'K-100', id, 'Ana Ruiz', 'ana@brightwater.example' FROM customers WHERE external_id = 'C-100';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, open_balance)
      SELECT 'INV-1', id, 'INV-1', date '${today}' - 60, date '${today}' - 30, 'EUR', 120000, 120000 FROM customers WHERE external_id = 'C-100';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, open_balance)
      SELECT 'INV-2', id, 'INV-2', date '${today}' - 10, date '${today}' + 20, 'EUR', 45050, 45050 FROM customers WHERE external_id = 'C-100';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, open_balance)
      SELECT 'INV-3', id, 'INV-3', date '${today}' - 100, date '${today}' - 70, 'USD', 99900, 99900 FROM customers WHERE external_id = 'C-200';
    INSERT INTO tasks (customer_id, kind, title, due) SELECT id, 'call', 'Call about INV-1', date '${today}' FROM customers WHERE external_id = 'C-100';
    INSERT INTO audit_log (actor, customer_id, action, entity, entity_id, data)
      SELECT 'engine', id, 'message.sent', 'message', '1', '{"template": "past-due", "subject": "Overdue: INV-1"}' FROM customers WHERE external_id = 'C-100';`);
  await applyDemoDefaults(db);
  // a reply from an address no contact has: it lands in the unassigned inbox
  const raw = [
    'From: Someone New <new.person@elsewhere.example>',
    'To: billing@example.com',
    'Subject: Question about our account',
    'Message-ID: <q1@elsewhere.example>',
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, could you send us a copy of the latest statement? Thanks.',
    '',
  ].join('\r\n');
  await receiveInbound(
    { db, clock: { now: () => new Date() }, reply: { localPart: 'ar', domain: null } },
    { raw: new TextEncoder().encode(raw), source: 'file', sourceRef: 'test', actor: 'test' },
  );
  for (const role of ['collector', 'viewer']) {
    await addUser(db, { email: `${role}@example.com`, role, password: PASSWORD });
  }
}

export async function signIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/app`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

export async function noSeriousViolations(page: Page): Promise<void> {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], describeViolations(violations));
}

export interface OpenWorkspace {
  db: Db;
  server: RunningServer;
  browser: LaunchedBrowser;
  page: Page;
}

/**
 * What every workspace browser suite starts from: a fresh ledger (PostgreSQL when
 * TEST_DATABASE_URL is set, else PGlite) with the seed above, the suite's own `prepare` run on
 * it, a server on a fixed clock, and a browser of the given size.
 */
export async function openWorkspace(options: {
  now: Date;
  prepare?: (db: Db) => Promise<void>;
  width?: number;
  height?: number;
}): Promise<OpenWorkspace> {
  const db = await freshDb(engines().includes('postgres') ? 'postgres' : 'pglite');
  let server: RunningServer | undefined;
  try {
    await seed(db, options.now.toISOString().slice(0, 10));
    await options.prepare?.(db);
    server = await startServer({ db, clock: fixedClock(options.now), port: 0 });
    const browser = await launchBrowser({ width: options.width ?? 1280, height: options.height ?? 800 });
    return { db, server, browser, page: browser.page };
  } catch (err) {
    await server?.close();
    await db.close();
    throw err;
  }
}

export async function closeWorkspace(open: Partial<OpenWorkspace>): Promise<void> {
  await open.browser?.close();
  await open.server?.close();
  await open.db?.close();
}
