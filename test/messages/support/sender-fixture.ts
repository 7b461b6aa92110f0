/**
 * Outbox fixtures for the sender's suites: customers, contacts and invoices written with SQL,
 * and planned outbox messages as the engine writes them (recipients, attach kinds, listed
 * invoices). Plus a clock the test moves by hand and a DKIM key on disk.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDkimKey } from '../../../src/messages/sender/index.ts';
import { type DunwellConfig, loadConfig } from '../../../src/platform/config.ts';
import type { Queryable } from '../../../src/platform/db/index.ts';

export interface MovableClock {
  now(): Date;
  advance(ms: number): void;
}

export function movableClock(start: string): MovableClock {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

export async function addCustomer(
  db: Queryable,
  externalId: string,
  name: string,
  contacts: { name: string; email: string }[],
  language = 'en',
): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO customers (external_id, name, language, created_at) VALUES ($1, $2, $3, '2026-01-05T00:00:00Z') RETURNING id`,
    [externalId, name, language],
  );
  const id = row!.id;
  let n = 0;
  for (const c of contacts) {
    await db.execute(
      `INSERT INTO contacts (external_id, customer_id, name, email, role) VALUES ($1, $2, $3, $4, 'billing')`,
      [`${externalId}-K${++n}`, id, c.name, c.email],
    );
  }
  return id;
}

export async function addInvoice(
  db: Queryable,
  customerId: number,
  number: string,
  dueDate: string,
  amount: number,
): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
     VALUES ($1, $2, $1, ($3::date - 30), $3::date, 'EUR', $4) RETURNING id`,
    [number, customerId, dueDate, amount],
  );
  return row!.id;
}

/** A planned message as the engine writes it. */
export async function planMessage(
  db: Queryable,
  input: {
    customerId: number;
    template: string;
    plannedFor: string;
    to: { name: string; email: string }[];
    cc?: { name: string; email: string }[];
    invoices?: number[];
    attach?: string[];
    language?: string;
  },
): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                  to_recipients, cc_recipients, attach)
     VALUES ($1, 'dunning', $2, $2, $3, true, $4, $5, $6, $7) RETURNING id`,
    [
      input.customerId,
      input.template,
      input.language ?? 'en',
      input.plannedFor,
      JSON.stringify(input.to),
      JSON.stringify(input.cc ?? []),
      input.attach ?? [],
    ],
  );
  const id = row!.id;
  let position = 0;
  for (const invoiceId of input.invoices ?? []) {
    await db.execute(
      `INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
       SELECT $1, id, $2, $3, open_balance FROM invoices WHERE id = $4`,
      [id, position++, input.template, invoiceId],
    );
  }
  return id;
}

/** A DKIM key in a temporary file and the TXT record a resolver should answer with. */
export function dkimKeyOnDisk(): { keyFile: string; txt: string } {
  const key = generateDkimKey();
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-dkim-'));
  const keyFile = join(dir, 'dkim.pem');
  writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
  return { keyFile, txt: `v=DKIM1; k=rsa; p=${key.publicKeyBase64}` };
}

/** Settings as the environment would give them; no config file is read (cwd is empty). */
export function testConfig(env: Record<string, string>): DunwellConfig {
  return loadConfig(env, mkdtempSync(join(tmpdir(), 'dunwell-cfg-')));
}
