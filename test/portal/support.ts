/**
 * Helpers for the portal suites: two customers (A and B) with contacts and invoices, links
 * for them, and a form poster that carries the page's CSRF token.
 *
 * Calendar (organisation time zone UTC), "now" = 2026-03-15 10:00Z:
 *   A-1  EUR 1000.00  issued 02-01  due 03-01  (14 days overdue)
 *   A-2  EUR  250.00  issued 03-01  due 03-31  (not yet due)
 *   A-3  USD   80.00  issued 01-10  due 02-09  (34 days overdue)
 *   A-0  EUR  100.00  issued 01-02  due 02-01  paid in full (import adjustment)
 *   B-1  EUR  500.00  issued 02-10  due 03-10  (customer B's)
 */
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { portalLink } from '../../src/portal/links.ts';

export const NOW = '2026-03-15T10:00:00Z';
export const TODAY = '2026-03-15';

export interface Seeded {
  a: { id: number; contactId: number; invoices: Record<string, number> };
  b: { id: number; contactId: number; invoices: Record<string, number> };
}

export async function seedPortal(db: Db): Promise<Seeded> {
  await db.execute(
    `UPDATE organisation SET name = 'Acme Supplies GmbH', address = 'Hafenstraße 1, Hamburg',
            portal_branding = '{"primary_color": "#0b5394"}',
            settings = '{"bank": {"account_holder": "Acme Supplies GmbH", "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
                         "portal": {"partial_payments": true}}'`,
  );
  const customer = async (external: string, name: string, language: string) => {
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO customers (external_id, name, language, currency) VALUES ($1, $2, $3, 'EUR') RETURNING id`,
      [external, name, language],
    );
    return row!.id;
  };
  const contact = async (customerId: number, external: string, name: string, email: string) => {
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO contacts (external_id, customer_id, name, email) VALUES ($1, $2, $3, $4) RETURNING id`,
      [external, customerId, name, email],
    );
    return row!.id;
  };
  const invoice = async (
    customerId: number,
    number: string,
    issue: string,
    due: string,
    currency: string,
    amount: number,
  ) => {
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ($1, $2, $1, $3, $4, $5, $6) RETURNING id`,
      [number, customerId, issue, due, currency, amount],
    );
    return row!.id;
  };
  const aId = await customer('C-A', 'Alpha Bau AG', 'en');
  const bId = await customer('C-B', 'Beta Handel GmbH', 'de');
  const aContact = await contact(aId, 'P-A', 'Anna Alpha', 'anna@alpha.example');
  const bContact = await contact(bId, 'P-B', 'Bernd Beta', 'bernd@beta.example');
  const a: Record<string, number> = {
    'A-1': await invoice(aId, 'A-1', '2026-02-01', '2026-03-01', 'EUR', 100000),
    'A-2': await invoice(aId, 'A-2', '2026-03-01', '2026-03-31', 'EUR', 25000),
    'A-3': await invoice(aId, 'A-3', '2026-01-10', '2026-02-09', 'USD', 8000),
    'A-0': await invoice(aId, 'A-0', '2026-01-02', '2026-02-01', 'EUR', 10000),
  };
  await db.execute(
    `INSERT INTO applications (invoice_id, kind, amount, date) VALUES ($1, 'adjustment', 10000, '2026-02-01')`,
    [a['A-0']],
  );
  const b = { 'B-1': await invoice(bId, 'B-1', '2026-02-10', '2026-03-10', 'EUR', 50000) };
  return {
    a: { id: aId, contactId: aContact, invoices: a },
    b: { id: bId, contactId: bContact, invoices: b },
  };
}

/** The path part of a portal link ('/portal/<token>'). */
export async function linkPath(
  db: Db,
  customerId: number,
  contactId: number,
  options: { expiresAt?: string; now?: string } = {},
): Promise<string> {
  const url = await portalLink(db, {
    customerId,
    contactId,
    expiresAt: new Date(options.expiresAt ?? '2026-04-30T00:00:00Z'),
    now: new Date(options.now ?? NOW),
  });
  return new URL(url).pathname;
}

export async function portalServer(db: Db, now = NOW): Promise<FastifyInstance> {
  return buildServer({ db, clock: fixedClock(now) });
}

/** The CSRF token printed in a portal page's forms. */
export function csrfOf(page: string): string {
  const m = /name="csrf" value="([A-Za-z0-9_-]{43})"/.exec(page);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

export function form(fields: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    for (const one of typeof v === 'string' ? [v] : v) params.append(k, one);
  return params.toString();
}

export async function postForm(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string | readonly string[]>,
) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(fields),
  });
}

/** A multipart body with text fields and one file (what a browser sends for the upload form). */
export function multipart(
  fields: Record<string, string>,
  file: { name: string; type: string; bytes: Buffer } | null,
): { payload: Buffer; contentType: string } {
  const boundary = '----dunwelltest7c3b';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
