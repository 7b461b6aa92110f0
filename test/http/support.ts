/** Helpers for the HTTP suites: a server on a test database, an API key, a seeded ledger. */
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';

/** The suites' "now": 2026-03-15 in UTC (the organisation's default time zone). */
export const NOW = '2026-03-15T10:00:00Z';
export const TODAY = '2026-03-15';

export interface TestApi {
  app: FastifyInstance;
  auth: { authorization: string };
  get(
    url: string,
  ): Promise<{ status: number; json: unknown; body: string; headers: Record<string, unknown> }>;
  send(
    method: 'PUT' | 'POST' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; json: unknown; body: string }>;
}

export async function testApi(db: Db, keyName = 'test'): Promise<TestApi> {
  const app = await buildServer({ db, clock: fixedClock(NOW) });
  const { key } = await createApiKey(db, keyName);
  const auth = { authorization: `Bearer ${key}` };
  const parse = (body: string): unknown => {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  };
  return {
    app,
    auth,
    async get(url) {
      const r = await app.inject({ method: 'GET', url, headers: auth });
      return { status: r.statusCode, json: parse(r.body), body: r.body, headers: r.headers };
    },
    async send(method, url, payload) {
      const r = await app.inject({
        method,
        url,
        headers: auth,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      return { status: r.statusCode, json: parse(r.body), body: r.body };
    },
  };
}

/**
 * A ledger written with SQL (independent of the import), sized to span several pages:
 *   - 'Customer 000' … 'Customer 119' (C000…C119), plus 6 customers all named 'Same Name'
 *     (S1…S6) so the sort key ties; C000–C009 are tagged 'key', C010–C019 bill in USD and
 *     have priority 'high'; C020 is paused indefinitely, C021 until 2026-04-01, C022 was
 *     paused until 2026-03-01 (so no longer).
 *   - 3 invoices per C0xx customer (360): due 2026-01-15 (overdue), 2026-03-15 (due today,
 *     not overdue), 2026-04-30; many share a due date, so the sort key ties there too.
 *   - C000: invoice A-1 100.00 EUR due 2026-01-15; payment P-1 60.00 on 2026-03-01 applied
 *     to A-1, payment P-2 30.00 on 2026-03-20 applied to A-1 (after TODAY).
 *   - C001: invoice V-1 void.
 */
export async function seedLedger(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name, currency, tags, priority, dunning_paused, paused_until)
    SELECT 'C' || lpad(g::text, 3, '0'), 'Customer ' || lpad(g::text, 3, '0'),
           CASE WHEN g BETWEEN 10 AND 19 THEN 'USD' END,
           CASE WHEN g < 10 THEN ARRAY['key'] ELSE '{}' END,
           CASE WHEN g BETWEEN 10 AND 19 THEN 'high' ELSE 'normal' END,
           g = 20,
           CASE g WHEN 21 THEN DATE '2026-04-01' WHEN 22 THEN DATE '2026-03-01' END
      FROM generate_series(0, 119) g;
    INSERT INTO customers (external_id, name) SELECT 'S' || g, 'Same Name' FROM generate_series(1, 6) g;
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
    SELECT 'I-' || c.external_id || '-' || d.n, c.id, 'I-' || c.external_id || '-' || d.n, DATE '2025-12-01', d.due,
           coalesce(c.currency, 'EUR'), 1000 + d.n
      FROM customers c
     CROSS JOIN (VALUES (1, DATE '2026-01-15'), (2, DATE '2026-03-15'), (3, DATE '2026-04-30')) AS d(n, due)
     WHERE c.external_id LIKE 'C%';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
    SELECT 'A-1', id, 'A-1', DATE '2025-12-16', DATE '2026-01-15', 'EUR', 10000 FROM customers WHERE external_id = 'C000';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, status)
    SELECT 'V-1', id, 'V-1', DATE '2025-12-16', DATE '2026-01-15', 'EUR', 5000, 'void' FROM customers WHERE external_id = 'C001';
    INSERT INTO payments (external_id, customer_id, date, amount, currency, reference)
    SELECT p.ext, c.id, p.d, p.amount, 'EUR', 'A-1' FROM customers c
     CROSS JOIN (VALUES ('P-1', DATE '2026-03-01', 6000), ('P-2', DATE '2026-03-20', 3000)) AS p(ext, d, amount)
     WHERE c.external_id = 'C000';
    INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
    SELECT i.id, 'payment', p.id, p.amount, p.date FROM invoices i, payments p WHERE i.external_id = 'A-1';
    INSERT INTO contacts (external_id, customer_id, name, email)
    SELECT 'K-' || c.external_id || '-' || n, c.id, 'Contact ' || n, 'ap' || n || '@' || lower(c.external_id) || '.example'
      FROM customers c CROSS JOIN generate_series(1, 2) n WHERE c.external_id LIKE 'C%';
  `);
}
