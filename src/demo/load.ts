/**
 * Writes the generated demo ledger into a store through the same paths real data takes: the
 * import (customers → contacts → invoices → credit notes → payments, actor 'demo'), then
 * promises to pay through the ledger's promise function. Also sets the demo organisation,
 * and installs the default campaigns and templates where the store has none.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DEFAULT_CAMPAIGNS_PATH } from '../campaigns/definition.ts';
import { activePromiseGraceDays, applyCampaignFile, loadActiveCampaigns } from '../campaigns/store.ts';
import type { CalendarDate } from '../ledger/dates.ts';
import { type ImportKind, type ImportResult, importRecords } from '../ledger/import/index.ts';
import { formatAmount } from '../ledger/money.ts';
import { createPromise } from '../ledger/promises.ts';
import { installDefaultTemplates } from '../messages/templates/store.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { DEMO_ORGANISATION, type DemoData } from './generate.ts';

export const DEMO_ACTOR = 'demo';

/** What the organisation row's `settings.demo` records once a demo load has completed. */
export interface DemoMarker {
  seed: number;
  today: CalendarDate;
}

export interface DemoLoadResult {
  customers: number;
  contacts: number;
  invoices: number;
  creditNotes: number;
  payments: number;
  promises: number;
}

/** A demo record the import refused: a defect in the generator, never the user's fault. */
export class DemoLoadError extends Error {
  override readonly name = 'DemoLoadError';
  constructor(
    readonly kind: ImportKind,
    readonly result: ImportResult,
  ) {
    const first = result.rejected
      .slice(0, 3)
      .map(
        (e) => `row ${e.row}${e.column ? ` ${e.column}` : ''}${e.value ? ` "${e.value}"` : ''}: ${e.reason}`,
      )
      .join('; ');
    super(`the demo ${kind} were refused by the import (${result.rejected.length} errors; ${first})`);
  }
}

/** Sets the organisation row to the demo company (name, address, EUR, Europe/London, English). */
export async function setDemoOrganisation(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(
      `UPDATE organisation
          SET name = $1, address = $2, default_currency = $3, time_zone = $4, language = $5,
              sending_domain = $6, updated_at = now()
        WHERE id = 1`,
      [
        DEMO_ORGANISATION.name,
        DEMO_ORGANISATION.address,
        DEMO_ORGANISATION.defaultCurrency,
        DEMO_ORGANISATION.timeZone,
        DEMO_ORGANISATION.language,
        DEMO_ORGANISATION.sendingDomain,
      ],
    );
    await recordEvent(tx, {
      actor: DEMO_ACTOR,
      customerId: null,
      action: 'organisation.updated',
      entity: 'organisation',
      entityId: 1,
      data: { name: DEMO_ORGANISATION.name, time_zone: DEMO_ORGANISATION.timeZone },
    });
  });
}

/**
 * Applies Dunwell's default campaign file when no campaign set is active; returns the number
 * of campaigns applied (0 when a set was already active).
 */
export async function applyDefaultCampaignsIfNone(db: Db): Promise<number> {
  if (await loadActiveCampaigns(db)) return 0;
  const result = await applyCampaignFile(db, {
    text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
    fileName: basename(DEFAULT_CAMPAIGNS_PATH),
    actor: DEMO_ACTOR,
  });
  return result.campaigns.length;
}

/**
 * The store's defaults for the demo: the default campaigns when none are active and the
 * shipped templates when none was ever saved. Returns how many of each were installed.
 */
export async function applyDemoDefaults(db: Db): Promise<{ campaigns: number; templates: number }> {
  const campaigns = await applyDefaultCampaignsIfNone(db);
  const templates = await installDefaultTemplates(db, DEMO_ACTOR);
  return { campaigns, templates: templates?.created.length ?? 0 };
}

/**
 * Loads `data` into `db` (which should hold no customers yet). Each kind is one import (one
 * transaction); a refused record throws DemoLoadError and the kinds after it are not loaded.
 * When everything is in, `organisation.settings.demo` records the seed and date.
 *
 * Disputes travel as the invoices' `disputed` column, as an ERP export states them; their
 * reasons (`data.disputes`) are not stored, since the ledger's openDispute refuses an invoice
 * that is already flagged. Promises go through createPromise, dated today.
 */
export async function loadDemoData(
  db: Db,
  data: DemoData,
  options: { onProgress?: (step: string) => void } = {},
): Promise<DemoLoadResult> {
  const run = async (kind: ImportKind, records: readonly object[]): Promise<number> => {
    options.onProgress?.(kind);
    const result = await importRecords(db, kind, records as readonly Record<string, unknown>[], {
      actor: DEMO_ACTOR,
      today: data.today,
    });
    if (result.rejected.length > 0) throw new DemoLoadError(kind, result);
    return result.inserted + result.updated + result.unchanged;
  };
  const customers = await run('customers', data.customers);
  const contacts = await run('contacts', data.contacts);
  const invoices = await run('invoices', data.invoices);
  const creditNotes = await run('credit-notes', data.creditNotes);
  const payments = await run('payments', data.payments);

  options.onProgress?.('promises');
  const graceDays = await activePromiseGraceDays(db);
  for (const promise of data.promises) {
    await createPromise(db, {
      number: promise.invoice_number,
      promisedDate: promise.promised_date,
      amount: promise.amount,
      actor: DEMO_ACTOR,
      today: data.today,
      graceDays,
    });
  }

  const marker: DemoMarker = { seed: data.seed, today: data.today };
  await db.execute(
    `UPDATE organisation SET settings = settings || jsonb_build_object('demo', $1::jsonb) WHERE id = 1`,
    [JSON.stringify(marker)],
  );
  return { customers, contacts, invoices, creditNotes, payments, promises: data.promises.length };
}

/** The completed demo load recorded in the organisation row, or null. */
export async function demoMarker(q: Queryable): Promise<DemoMarker | null> {
  const [row] = await q.query<{ demo: DemoMarker | null }>(
    `SELECT settings -> 'demo' AS demo FROM organisation WHERE id = 1`,
  );
  return row?.demo ?? null;
}

export interface StoreSummary {
  customers: number;
  invoices: number;
  /** currency → open AR (decimal string) and open invoices */
  openAr: Record<string, { amount: string; invoices: number }>;
}

/** What the store holds: customer and invoice counts, open AR per currency. */
export async function storeSummary(q: Queryable): Promise<StoreSummary> {
  const [counts] = await q.query<{ customers: number; invoices: number }>(
    `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM invoices)::int AS invoices`,
  );
  const rows = await q.query<{ currency: string; amount: number; n: number }>(
    `SELECT currency, sum(open_balance)::bigint AS amount, count(*)::int AS n
       FROM invoices WHERE status = 'open' AND open_balance > 0
      GROUP BY currency ORDER BY currency`,
  );
  const openAr: StoreSummary['openAr'] = {};
  for (const r of rows)
    openAr[r.currency.trim()] = { amount: formatAmount(r.amount, r.currency.trim()), invoices: r.n };
  return { customers: counts?.customers ?? 0, invoices: counts?.invoices ?? 0, openAr };
}
