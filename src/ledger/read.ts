/**
 * The ledger's read side: list and get queries for customers, contacts, invoices, payments
 * and credit notes, and the JSON shapes the REST API (and anything else) returns for them.
 *
 * Shapes follow the import columns (snake_case), money is a decimal string in the row's
 * currency, dates 'YYYY-MM-DD', instants ISO UTC. Lists are keyset-paginated: each is ordered
 * by (sort key, id) and continues after an opaque cursor holding the last row's pair, so a
 * page costs the same however deep it is and rows written meanwhile never shift a page.
 *
 * "Open" means an invoice whose ERP status is 'open' with a positive open balance; "overdue"
 * additionally has its due date before the reference day.
 */
import type { Queryable } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { type CampaignAudienceDef, campaignMembershipSql } from './campaign-membership.ts';
import { type CalendarDate, daysBetween } from './dates.ts';
import { formatAmount } from './money.ts';

// ---------------------------------------------------------------------------------------
// Cursors

export type CursorKey = string | number;

/** An opaque continuation token: base64url of JSON [sort key, id]. */
export function encodeCursor(key: CursorKey, id: number): string {
  return Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A cursor this module did not write (the API answers 400 invalid_cursor). */
export class InvalidCursorError extends UserError {}

/** Reads a cursor this module wrote; anything else is the caller's mistake (UserError). */
export function decodeCursor(cursor: string, keyKind: 'text' | 'date' | 'int'): [CursorKey, number] {
  const bad = () =>
    new InvalidCursorError(
      `cursor "${cursor.slice(0, 40)}" is not one this API returned; pass the next_cursor of the previous ` +
        'page unchanged, or leave cursor out to start from the first page',
    );
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [key, id] = parsed as unknown[];
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw bad();
  if (keyKind === 'int' && (typeof key !== 'number' || !Number.isSafeInteger(key))) throw bad();
  if (keyKind === 'text' && typeof key !== 'string') throw bad();
  if (keyKind === 'date' && (typeof key !== 'string' || !DATE_RE.test(key))) throw bad();
  return [key as CursorKey, id];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface PageRequest {
  /** 1–500 */
  limit: number;
  cursor?: string | undefined;
}

/** Builds a parameter list as a query is assembled: `p(value)` → '$n'. */
class Params {
  readonly values: unknown[] = [];
  p(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * One page from rows fetched with `LIMIT limit + 1` in keyset order: the extra row only says
 * whether there is a next page, whose cursor is the last kept row's (sort key, id).
 */
export function toPage<R extends { id: number | null }, T = R>(
  rows: R[],
  limit: number,
  key: (row: R) => CursorKey,
  shape: (row: R) => T = (row) => row as unknown as T,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(shape),
    next_cursor: more && last && last.id !== null ? encodeCursor(key(last), last.id) : null,
  };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type Json = Record<string, unknown>;
type Totals = Record<string, string>;

// ---------------------------------------------------------------------------------------
// Organisation and totals

export interface Organisation {
  name: string;
  default_currency: string;
  time_zone: string;
  language: string;
}

export async function getOrganisation(db: Queryable): Promise<Organisation> {
  const [row] = await db.query<Organisation & Json>(
    'SELECT name, default_currency, time_zone, language FROM organisation WHERE id = 1',
  );
  if (!row) throw new Error('the organisation row is missing (migration 202611250001 creates it)');
  return row;
}

export interface LedgerTotals {
  organisation: string;
  as_of: CalendarDate;
  customers: number;
  open_invoices: number;
  /** Per currency: open AR and the part of it past due. */
  currencies: Record<string, { ar: string; overdue: string; open_invoices: number }>;
}

export async function ledgerTotals(db: Queryable, today: CalendarDate): Promise<LedgerTotals> {
  const org = await getOrganisation(db);
  const [counts] = await db.query<{ customers: number }>('SELECT count(*)::int AS customers FROM customers');
  const rows = await db.query<{ currency: string; ar: number; overdue: number; n: number }>(
    `SELECT currency, sum(open_balance)::bigint AS ar,
            coalesce(sum(open_balance) FILTER (WHERE due_date < $1::date), 0)::bigint AS overdue,
            count(*)::int AS n
       FROM invoices WHERE status = 'open' AND open_balance > 0
      GROUP BY currency ORDER BY currency`,
    [today],
  );
  const currencies: LedgerTotals['currencies'] = {};
  let openInvoices = 0;
  for (const r of rows) {
    currencies[r.currency] = {
      ar: formatAmount(r.ar, r.currency),
      overdue: formatAmount(r.overdue, r.currency),
      open_invoices: r.n,
    };
    openInvoices += r.n;
  }
  return {
    organisation: org.name,
    as_of: today,
    customers: counts?.customers ?? 0,
    open_invoices: openInvoices,
    currencies,
  };
}

export interface OverdueCustomer {
  external_id: string;
  name: string;
  currency: string;
  overdue: string;
  oldest_due_date: CalendarDate;
}

/** The customers with the largest past-due balances (per currency), for a quick look. */
export async function topOverdueCustomers(
  db: Queryable,
  today: CalendarDate,
  limit: number,
): Promise<OverdueCustomer[]> {
  const rows = await db.query<{
    external_id: string;
    name: string;
    currency: string;
    overdue: number;
    oldest: string;
  }>(
    `SELECT c.external_id, c.name, i.currency, sum(i.open_balance)::bigint AS overdue, min(i.due_date) AS oldest
       FROM invoices i JOIN customers c ON c.id = i.customer_id
      WHERE i.status = 'open' AND i.open_balance > 0 AND i.due_date < $1::date
      GROUP BY c.id, c.external_id, c.name, i.currency
      ORDER BY sum(i.open_balance) DESC, c.id
      LIMIT $2`,
    [today, limit],
  );
  return rows.map((r) => ({
    external_id: r.external_id,
    name: r.name,
    currency: r.currency,
    overdue: formatAmount(r.overdue, r.currency),
    oldest_due_date: r.oldest,
  }));
}

// ---------------------------------------------------------------------------------------
// Customers

export interface CustomerJson {
  external_id: string;
  name: string;
  /** null: the organisation's default currency applies */
  currency: string | null;
  language: string | null;
  time_zone: string | null;
  payment_terms_days: number;
  /** in the customer's currency (or the organisation's) */
  credit_limit: string | null;
  tags: string[];
  account_manager_email: string | null;
  priority: 'high' | 'normal' | 'low';
  /** true while dunning is paused (indefinitely, or until paused_until) */
  paused: boolean;
  paused_until: CalendarDate | null;
  custom_fields: Record<string, unknown>;
  /** open balance per currency */
  open_balance: Totals;
  /** past-due part of the open balance per currency */
  overdue: Totals;
  open_invoices: number;
  created_at: string;
  updated_at: string;
}

export interface CustomerDetailJson extends CustomerJson {
  contacts: ContactJson[];
}

interface CustomerRow extends Json {
  id: number;
  external_id: string;
  name: string;
  sort_name: string;
  currency: string | null;
  effective_currency: string;
  language: string | null;
  time_zone: string | null;
  payment_terms_days: number;
  credit_limit: number | null;
  tags: string[];
  account_manager_email: string | null;
  priority: 'high' | 'normal' | 'low';
  paused: boolean;
  paused_until: string | null;
  custom_fields: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  totals: [string, number, number, number][] | null;
}

function customerSelect(todayParam: string): string {
  return `
    SELECT c.id, c.external_id, c.name, lower(c.name) AS sort_name, c.currency,
           coalesce(c.currency, o.default_currency) AS effective_currency, c.language, c.time_zone,
           c.payment_terms_days, c.credit_limit, c.tags, c.account_manager_email, c.priority,
           (c.dunning_paused OR (c.paused_until IS NOT NULL AND ${todayParam}::date < c.paused_until)) AS paused,
           c.paused_until, c.custom_fields, c.created_at, c.updated_at, t.totals
      FROM customers c
     CROSS JOIN organisation o
      LEFT JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_array(x.currency, x.open, x.overdue, x.n) ORDER BY x.currency) AS totals
          FROM (SELECT i.currency, sum(i.open_balance)::bigint AS open,
                       coalesce(sum(i.open_balance) FILTER (WHERE i.due_date < ${todayParam}::date), 0)::bigint AS overdue,
                       count(*)::int AS n
                  FROM invoices i
                 WHERE i.customer_id = c.id AND i.status = 'open' AND i.open_balance > 0
                 GROUP BY i.currency) x
      ) t ON true`;
}

function customerJson(r: CustomerRow): CustomerJson {
  const openBalance: Totals = {};
  const overdue: Totals = {};
  let openInvoices = 0;
  for (const [currency, open, late, n] of r.totals ?? []) {
    openBalance[currency] = formatAmount(open, currency);
    overdue[currency] = formatAmount(late, currency);
    openInvoices += n;
  }
  return {
    external_id: r.external_id,
    name: r.name,
    currency: r.currency,
    language: r.language,
    time_zone: r.time_zone,
    payment_terms_days: r.payment_terms_days,
    credit_limit: r.credit_limit == null ? null : formatAmount(r.credit_limit, r.effective_currency),
    tags: r.tags ?? [],
    account_manager_email: r.account_manager_email,
    priority: r.priority,
    paused: r.paused,
    paused_until: r.paused_until,
    custom_fields: r.custom_fields ?? {},
    open_balance: openBalance,
    overdue,
    open_invoices: openInvoices,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export const CUSTOMER_SORTS = ['name', 'open_balance', 'overdue', 'oldest_overdue_days', 'priority'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];
/** Days past due of the customer's most overdue open invoice (PRODUCT §7's aging buckets). */
export const OVERDUE_BUCKETS = ['current', '1-30', '31-60', '61-90', '91+'] as const;
export type OverdueBucket = (typeof OVERDUE_BUCKETS)[number];

export interface CustomerFilter extends PageRequest {
  /** today in the organisation's time zone: the reference for "overdue" and "paused" */
  today: CalendarDate;
  /** substring of the name or the external id, case-insensitive */
  q?: string | undefined;
  tag?: string | undefined;
  /** the customer's currency (or the organisation's, for customers without one) */
  currency?: string | undefined;
  priority?: 'high' | 'normal' | 'low' | undefined;
  paused?: boolean | undefined;
  /** true: has an overdue invoice; false: has none */
  overdue?: boolean | undefined;
  /** the bucket of the customer's most overdue open invoice; 'current': open, none overdue */
  overdueBucket?: OverdueBucket | undefined;
  /** the assigned collector's user id, or 'none' for customers nobody is assigned to */
  collector?: number | 'none' | undefined;
  /** true: has a contact whose address bounced or complained; false: has none */
  bounced?: boolean | undefined;
  /**
   * The dunning campaign (R1) the customer is in: the campaign's key, or null for "none";
   * `campaigns` are the active definitions (src/ledger/campaign-membership.ts).
   */
  campaign?: { key: string | null; campaigns: CampaignAudienceDef[] } | undefined;
  /**
   * name (A→Z by default), open_balance and overdue (in the customer's own currency, largest
   * first), oldest_overdue_days (most overdue first), priority (high first); `reverse` flips
   * the default direction. Ties go by id, so the keyset cursor (value, id) is exact.
   */
  sort?: CustomerSort | undefined;
  reverse?: boolean | undefined;
}

/** The conditions of a customer filter on `customers c JOIN organisation o ON o.id = 1`. */
export function customerConditions(
  f: Omit<CustomerFilter, 'limit' | 'cursor' | 'sort' | 'reverse'>,
  bind: (value: unknown) => string,
  todayParam?: string,
): string[] {
  // PostgreSQL refuses a bound parameter the statement never uses: bind today only when needed.
  let bound = todayParam;
  const day = () => {
    bound ??= bind(f.today);
    return bound;
  };
  const where: string[] = [];
  if (f.q) {
    const pattern = bind(likePattern(f.q));
    where.push(`(c.name ILIKE ${pattern} OR c.external_id ILIKE ${pattern})`);
  }
  if (f.tag) where.push(`c.tags @> ARRAY[${bind(f.tag)}::text]`);
  if (f.currency) where.push(`coalesce(c.currency, o.default_currency) = ${bind(f.currency)}`);
  if (f.priority) where.push(`c.priority = ${bind(f.priority)}`);
  if (f.paused !== undefined) {
    const paused = `(c.dunning_paused OR (c.paused_until IS NOT NULL AND ${day()}::date < c.paused_until))`;
    where.push(f.paused ? paused : `NOT ${paused}`);
  }
  if (f.overdue !== undefined) {
    where.push(
      `${f.overdue ? '' : 'NOT '}EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = c.id AND i.status = 'open'
         AND i.open_balance > 0 AND i.due_date < ${day()}::date)`,
    );
  }
  if (f.overdueBucket) {
    const bounds: Record<OverdueBucket, [number | null, number | null]> = {
      current: [null, 0],
      '1-30': [1, 30],
      '31-60': [31, 60],
      '61-90': [61, 90],
      '91+': [91, null],
    };
    const [from, to] = bounds[f.overdueBucket];
    // days past due of the oldest open invoice (any currency) = today − its due date, so
    // from ≤ today − oldest ≤ to; one grouped pass over customer_open_totals, then a semi-join
    const having: string[] = [];
    if (from !== null) having.push(`min(t.oldest_due) <= ${day()}::date - ${from}`);
    if (to !== null) having.push(`min(t.oldest_due) >= ${day()}::date - ${to}`);
    where.push(
      `c.id IN (SELECT t.customer_id FROM customer_open_totals t GROUP BY t.customer_id HAVING ${having.join(' AND ')})`,
    );
  }
  if (f.collector === 'none') where.push('c.collector_user_id IS NULL');
  else if (f.collector !== undefined) where.push(`c.collector_user_id = ${bind(f.collector)}::bigint`);
  if (f.bounced !== undefined) {
    where.push(
      `${f.bounced ? '' : 'NOT '}EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id AND k.email_status <> 'ok')`,
    );
  }
  if (f.campaign) where.push(campaignMembershipSql(f.campaign.campaigns, f.campaign.key, bind));
  return where;
}

/** Per sort: the key's SQL (on c, o and the open-invoice lateral `k`), its cursor kind, and A→Z or Z→A. */
function sortKey(
  sort: CustomerSort,
  today: string,
): { sql: string; kind: 'text' | 'int'; descending: boolean; joins: string } {
  // Amounts come from customer_open_totals (kept by triggers on invoices), in the customer's
  // own currency only: amounts in different currencies do not add up. The overdue part is the
  // open balance minus what is not yet due (the open invoices due today or later, read through
  // invoices_open_due). The oldest overdue invoice is any currency's.
  const own = `LEFT JOIN customer_open_totals k
                 ON k.customer_id = c.id AND k.currency = coalesce(c.currency, o.default_currency)`;
  switch (sort) {
    case 'name':
      return { sql: 'lower(c.name)', kind: 'text', descending: false, joins: '' };
    case 'open_balance':
      return { sql: 'coalesce(k.open_balance, 0)', kind: 'int', descending: true, joins: own };
    case 'overdue':
      return {
        sql: 'coalesce(k.open_balance, 0) - coalesce(nyd.amount, 0)',
        kind: 'int',
        descending: true,
        joins: `${own}
          LEFT JOIN (SELECT i.customer_id, i.currency, sum(i.open_balance)::bigint AS amount
                       FROM invoices i
                      WHERE i.status = 'open' AND i.open_balance > 0 AND i.due_date >= ${today}::date
                      GROUP BY i.customer_id, i.currency) nyd
                 ON nyd.customer_id = c.id AND nyd.currency = k.currency`,
      };
    case 'oldest_overdue_days':
      return {
        sql: `greatest(coalesce(${today}::date - m.oldest_due, 0), 0)`,
        kind: 'int',
        descending: true,
        joins: `LEFT JOIN (SELECT t.customer_id, min(t.oldest_due) AS oldest_due
                             FROM customer_open_totals t GROUP BY t.customer_id) m ON m.customer_id = c.id`,
      };
    case 'priority':
      return {
        sql: `(CASE c.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END)`,
        kind: 'int',
        descending: false,
        joins: '',
      };
  }
}

export async function listCustomers(db: Queryable, f: CustomerFilter): Promise<Page<CustomerJson>> {
  const ps = new Params();
  const today = ps.p(f.today);
  const bind = (value: unknown) => ps.p(value);
  const where = customerConditions(f, bind, today);
  const key = sortKey(f.sort ?? 'name', today);
  const descending = key.descending !== Boolean(f.reverse);
  if (f.cursor) {
    const [value, id] = decodeCursor(f.cursor, key.kind);
    where.push(
      `(${key.sql}, c.id) ${descending ? '<' : '>'} (${ps.p(value)}::${key.kind === 'text' ? 'text' : 'bigint'}, ${ps.p(id)}::bigint)`,
    );
  }
  const direction = descending ? 'DESC' : 'ASC';
  // First the page's ids in keyset order, then the full rows (with their per-currency totals)
  // for those ids only.
  const rows = await db.query<CustomerRow & { sort_key: CursorKey }>(
    `WITH page AS (
       SELECT c.id, ${key.sql} AS sort_key
         FROM customers c JOIN organisation o ON o.id = 1
         ${key.joins}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${key.sql} ${direction}, c.id ${direction}
        LIMIT ${ps.p(f.limit + 1)}
     )
     SELECT r.*, p.sort_key
       FROM page p
       JOIN LATERAL (${customerSelect(today)} WHERE c.id = p.id) r ON true
      ORDER BY p.sort_key ${direction}, p.id ${direction}`,
    ps.values,
  );
  return toPage(
    rows,
    f.limit,
    (r) => (key.kind === 'int' ? Number(r.sort_key) : String(r.sort_key)),
    customerJson,
  );
}

/** How many customers match a filter (the bulk actions' "all matching" confirmation). */
export async function countCustomers(
  db: Queryable,
  f: Omit<CustomerFilter, 'limit' | 'cursor' | 'sort' | 'reverse'>,
): Promise<number> {
  const ps = new Params();
  const where = customerConditions(f, (value) => ps.p(value));
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM customers c JOIN organisation o ON o.id = 1
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    ps.values,
  );
  return row?.n ?? 0;
}

export async function getCustomer(
  db: Queryable,
  externalId: string,
  today: CalendarDate,
): Promise<CustomerDetailJson | null> {
  const [row] = await db.query<CustomerRow>(`${customerSelect('$1')} WHERE c.external_id = $2`, [
    today,
    externalId,
  ]);
  if (!row) return null;
  const contacts = await db.query<ContactRow>(`${CONTACT_SELECT} WHERE k.customer_id = $1 ORDER BY k.id`, [
    row.id,
  ]);
  return { ...customerJson(row), contacts: contacts.map(contactJson) };
}

async function customerIdOf(db: Queryable, externalId: string): Promise<number> {
  const [row] = await db.query<{ id: number }>('SELECT id FROM customers WHERE external_id = $1', [
    externalId,
  ]);
  if (!row) {
    throw new NotFoundError(
      `no customer with external_id "${externalId}"; check the customer filter (GET /api/v1/customers lists them)`,
    );
  }
  return row.id;
}

// ---------------------------------------------------------------------------------------
// Contacts

export interface ContactJson {
  external_id: string;
  customer_external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'billing' | 'ap' | 'key' | 'other';
  receives_dunning: boolean;
  preferred_channel: 'email' | 'phone';
  /** 'bounced' or 'complained' addresses are not mailed */
  email_status: 'ok' | 'bounced' | 'complained';
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

interface ContactRow extends Json {
  id: number;
  external_id: string;
  customer_external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: ContactJson['role'];
  receives_dunning: boolean;
  preferred_channel: ContactJson['preferred_channel'];
  email_status: ContactJson['email_status'];
  custom_fields: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
}

const CONTACT_SELECT = `
  SELECT k.id, k.external_id, c.external_id AS customer_external_id, k.name, k.email, k.phone, k.role,
         k.receives_dunning, k.preferred_channel, k.email_status, k.custom_fields, k.created_at, k.updated_at
    FROM contacts k JOIN customers c ON c.id = k.customer_id`;

function contactJson(r: ContactRow): ContactJson {
  return {
    external_id: r.external_id,
    customer_external_id: r.customer_external_id,
    name: r.name,
    email: r.email,
    phone: r.phone,
    role: r.role,
    receives_dunning: r.receives_dunning,
    preferred_channel: r.preferred_channel,
    email_status: r.email_status,
    custom_fields: r.custom_fields ?? {},
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface ContactFilter extends PageRequest {
  customer?: string | undefined;
  /** exact address, case-insensitive */
  email?: string | undefined;
}

export async function listContacts(db: Queryable, f: ContactFilter): Promise<Page<ContactJson>> {
  const ps = new Params();
  const where: string[] = [];
  if (f.customer !== undefined) where.push(`k.customer_id = ${ps.p(await customerIdOf(db, f.customer))}`);
  if (f.email) where.push(`lower(k.email) = lower(${ps.p(f.email)})`);
  if (f.cursor) {
    const [, id] = decodeCursor(f.cursor, 'int');
    where.push(`k.id > ${ps.p(id)}::bigint`);
  }
  const rows = await db.query<ContactRow>(
    `${CONTACT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY k.id LIMIT ${ps.p(f.limit + 1)}`,
    ps.values,
  );
  return toPage(rows, f.limit, (r) => r.id, contactJson);
}

export async function getContact(db: Queryable, externalId: string): Promise<ContactJson | null> {
  const [row] = await db.query<ContactRow>(`${CONTACT_SELECT} WHERE k.external_id = $1`, [externalId]);
  return row ? contactJson(row) : null;
}

// ---------------------------------------------------------------------------------------
// Invoices

export interface InvoiceJson {
  external_id: string;
  customer_external_id: string;
  number: string;
  issue_date: CalendarDate;
  due_date: CalendarDate;
  currency: string;
  amount: string;
  /** amount minus payments, credits and adjustments dated on or before as_of */
  open_balance: string;
  /**
   * 'void' as the ERP states it; 'paid' when the ERP says so or nothing is open as of as_of;
   * else 'open'
   */
  status: 'open' | 'paid' | 'void';
  /** as_of − due_date for an open invoice past due, else 0 */
  days_overdue: number;
  /** the date the last settling payment or credit was applied, when settled by as_of */
  settled_on: CalendarDate | null;
  po_number: string | null;
  disputed: boolean;
  on_hold: boolean;
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

interface InvoiceRow extends Json {
  id: number;
  external_id: string;
  customer_external_id: string;
  number: string;
  issue_date: string;
  due_date: string;
  currency: string;
  amount: number;
  balance: number;
  status: 'open' | 'paid' | 'void';
  settled_on: string | null;
  po_number: string | null;
  disputed: boolean;
  on_hold: boolean;
  custom_fields: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
}

function invoiceSelect(asOf: string): string {
  return `
    SELECT i.id, i.external_id, c.external_id AS customer_external_id, i.number, i.issue_date, i.due_date,
           i.currency, i.amount,
           (i.amount - coalesce((SELECT sum(a.amount) FROM applications a
                                  WHERE a.invoice_id = i.id AND a.date <= ${asOf}::date), 0))::bigint AS balance,
           i.status, i.settled_on, i.po_number, i.disputed, i.on_hold, i.custom_fields, i.created_at, i.updated_at
      FROM invoices i JOIN customers c ON c.id = i.customer_id`;
}

function invoiceJson(asOf: CalendarDate) {
  return (r: InvoiceRow): InvoiceJson => {
    const status = r.status === 'void' ? 'void' : r.status === 'paid' || r.balance <= 0 ? 'paid' : 'open';
    return {
      external_id: r.external_id,
      customer_external_id: r.customer_external_id,
      number: r.number,
      issue_date: r.issue_date,
      due_date: r.due_date,
      currency: r.currency,
      amount: formatAmount(r.amount, r.currency),
      open_balance: formatAmount(r.balance, r.currency),
      status,
      days_overdue: status === 'open' && r.due_date < asOf ? daysBetween(r.due_date, asOf) : 0,
      settled_on: r.settled_on && r.settled_on <= asOf ? r.settled_on : null,
      po_number: r.po_number,
      disputed: r.disputed,
      on_hold: r.on_hold,
      custom_fields: r.custom_fields ?? {},
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  };
}

export interface InvoiceFilter extends PageRequest {
  /** the reference day for open_balance, status and days_overdue */
  asOf: CalendarDate;
  customer?: string | undefined;
  status?: 'open' | 'paid' | 'void' | undefined;
  /** true: open and past due as of asOf; false: anything else */
  overdue?: boolean | undefined;
  /** due_date < dueBefore */
  dueBefore?: CalendarDate | undefined;
  /** due_date > dueAfter */
  dueAfter?: CalendarDate | undefined;
  currency?: string | undefined;
}

export async function listInvoices(db: Queryable, f: InvoiceFilter): Promise<Page<InvoiceJson>> {
  const ps = new Params();
  const asOf = ps.p(f.asOf);
  const inner: string[] = [];
  const outer: string[] = [];
  if (f.customer !== undefined) inner.push(`i.customer_id = ${ps.p(await customerIdOf(db, f.customer))}`);
  if (f.currency) inner.push(`i.currency = ${ps.p(f.currency)}`);
  if (f.dueBefore) inner.push(`i.due_date < ${ps.p(f.dueBefore)}::date`);
  if (f.dueAfter) inner.push(`i.due_date > ${ps.p(f.dueAfter)}::date`);
  const open = `(s.status = 'open' AND s.balance > 0)`;
  if (f.status === 'open') outer.push(open);
  if (f.status === 'paid') outer.push(`s.status <> 'void' AND NOT ${open}`);
  if (f.status === 'void') inner.push(`i.status = 'void'`);
  if (f.overdue !== undefined) {
    const overdue = `(${open} AND s.due_date < ${asOf}::date)`;
    outer.push(f.overdue ? overdue : `NOT ${overdue}`);
  }
  if (f.cursor) {
    const [key, id] = decodeCursor(f.cursor, 'date');
    inner.push(`(i.due_date, i.id) > (${ps.p(key)}::date, ${ps.p(id)}::bigint)`);
  }
  const rows = await db.query<InvoiceRow>(
    `SELECT s.* FROM (${invoiceSelect(asOf)} ${inner.length ? `WHERE ${inner.join(' AND ')}` : ''}) s
      ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
      ORDER BY s.due_date, s.id LIMIT ${ps.p(f.limit + 1)}`,
    ps.values,
  );
  return toPage(rows, f.limit, (r) => r.due_date, invoiceJson(f.asOf));
}

export async function getInvoice(
  db: Queryable,
  externalId: string,
  asOf: CalendarDate,
): Promise<InvoiceJson | null> {
  const [row] = await db.query<InvoiceRow>(`${invoiceSelect('$1')} WHERE i.external_id = $2`, [
    asOf,
    externalId,
  ]);
  return row ? invoiceJson(asOf)(row) : null;
}

// ---------------------------------------------------------------------------------------
// Payments and credit notes

export interface ApplicationJson {
  invoice_external_id: string;
  invoice_number: string;
  amount: string;
  date: CalendarDate;
}

export interface PaymentJson {
  external_id: string;
  customer_external_id: string;
  date: CalendarDate;
  amount: string;
  currency: string;
  reference: string;
  source: 'import' | 'api' | 'bank' | 'portal' | 'provider';
  /** the part of the amount not applied to any invoice */
  unapplied: string;
  applications: ApplicationJson[];
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface CreditNoteJson {
  external_id: string;
  customer_external_id: string;
  number: string;
  date: CalendarDate;
  amount: string;
  currency: string;
  unapplied: string;
  applications: ApplicationJson[];
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

interface SettlementRow extends Json {
  id: number;
  external_id: string;
  customer_external_id: string;
  number?: string;
  date: string;
  amount: number;
  currency: string;
  reference?: string;
  source?: PaymentJson['source'];
  custom_fields: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  applications:
    | { invoice_external_id: string; invoice_number: string; amount: number; date: string }[]
    | null;
}

function settlementSelect(table: 'payments' | 'credit_notes'): string {
  const fk = table === 'payments' ? 'payment_id' : 'credit_note_id';
  const extra = table === 'payments' ? 'x.reference, x.source' : 'x.number';
  return `
    SELECT x.id, x.external_id, c.external_id AS customer_external_id, x.date, x.amount, x.currency, ${extra},
           x.custom_fields, x.created_at, x.updated_at, ap.list AS applications
      FROM ${table} x JOIN customers c ON c.id = x.customer_id
      LEFT JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_object('invoice_external_id', i.external_id, 'invoice_number', i.number,
                                            'amount', a.amount, 'date', a.date) ORDER BY a.date, a.id) AS list
          FROM applications a JOIN invoices i ON i.id = a.invoice_id
         WHERE a.${fk} = x.id
      ) ap ON true`;
}

function applicationsOf(r: SettlementRow): { list: ApplicationJson[]; unapplied: string } {
  let applied = 0;
  const list = (r.applications ?? []).map((a) => {
    applied += a.amount;
    return {
      invoice_external_id: a.invoice_external_id,
      invoice_number: a.invoice_number,
      amount: formatAmount(a.amount, r.currency),
      date: a.date,
    };
  });
  return { list, unapplied: formatAmount(r.amount - applied, r.currency) };
}

function paymentJson(r: SettlementRow): PaymentJson {
  const { list, unapplied } = applicationsOf(r);
  return {
    external_id: r.external_id,
    customer_external_id: r.customer_external_id,
    date: r.date,
    amount: formatAmount(r.amount, r.currency),
    currency: r.currency,
    reference: r.reference ?? '',
    source: r.source ?? 'import',
    unapplied,
    applications: list,
    custom_fields: r.custom_fields ?? {},
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function creditNoteJson(r: SettlementRow): CreditNoteJson {
  const { list, unapplied } = applicationsOf(r);
  return {
    external_id: r.external_id,
    customer_external_id: r.customer_external_id,
    number: r.number ?? '',
    date: r.date,
    amount: formatAmount(r.amount, r.currency),
    currency: r.currency,
    unapplied,
    applications: list,
    custom_fields: r.custom_fields ?? {},
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface SettlementFilter extends PageRequest {
  customer?: string | undefined;
  currency?: string | undefined;
  /** date >= dateFrom */
  dateFrom?: CalendarDate | undefined;
  /** date <= dateTo */
  dateTo?: CalendarDate | undefined;
}

async function listSettlements(
  db: Queryable,
  table: 'payments' | 'credit_notes',
  f: SettlementFilter,
): Promise<SettlementRow[]> {
  const ps = new Params();
  const where: string[] = [];
  if (f.customer !== undefined) where.push(`x.customer_id = ${ps.p(await customerIdOf(db, f.customer))}`);
  if (f.currency) where.push(`x.currency = ${ps.p(f.currency)}`);
  if (f.dateFrom) where.push(`x.date >= ${ps.p(f.dateFrom)}::date`);
  if (f.dateTo) where.push(`x.date <= ${ps.p(f.dateTo)}::date`);
  if (f.cursor) {
    const [key, id] = decodeCursor(f.cursor, 'date');
    where.push(`(x.date, x.id) > (${ps.p(key)}::date, ${ps.p(id)}::bigint)`);
  }
  return db.query<SettlementRow>(
    `${settlementSelect(table)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY x.date, x.id LIMIT ${ps.p(f.limit + 1)}`,
    ps.values,
  );
}

export async function listPayments(db: Queryable, f: SettlementFilter): Promise<Page<PaymentJson>> {
  return toPage(await listSettlements(db, 'payments', f), f.limit, (r) => r.date, paymentJson);
}

export async function getPayment(db: Queryable, externalId: string): Promise<PaymentJson | null> {
  const [row] = await db.query<SettlementRow>(`${settlementSelect('payments')} WHERE x.external_id = $1`, [
    externalId,
  ]);
  return row ? paymentJson(row) : null;
}

export async function listCreditNotes(db: Queryable, f: SettlementFilter): Promise<Page<CreditNoteJson>> {
  return toPage(await listSettlements(db, 'credit_notes', f), f.limit, (r) => r.date, creditNoteJson);
}

export async function getCreditNote(db: Queryable, externalId: string): Promise<CreditNoteJson | null> {
  const [row] = await db.query<SettlementRow>(
    `${settlementSelect('credit_notes')} WHERE x.external_id = $1`,
    [externalId],
  );
  return row ? creditNoteJson(row) : null;
}
