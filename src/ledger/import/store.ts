/**
 * The import's database side. Valid rows are bulk-loaded (COPY) into TEMP staging tables;
 * everything after that is set-based SQL: reference checks, one INSERT … ON CONFLICT per kind
 * that only touches rows whose values differ, balance adjustments, and the timeline. Payment
 * and credit-note allocation loads each batch of customers' open invoices in one query and
 * calls the pure allocator (../allocation.ts).
 *
 * Staging tables (dropped at commit or rollback):
 *   import_rows     one row per valid input row (row_no + STAGING[kind] columns)
 *   import_applied  applied_to entries of payments / credit notes (for the reference check)
 *   import_errors   row errors found in SQL (unknown customer, duplicate id, …)
 *   import_changes  one row per inserted or updated record: customer, id, row number (and for
 *                   invoices amount − open_balance as written)
 *   import_existing invoices: the existing invoice of each row and its applications
 *   import_adjust   invoices: the adjustment each inserted or changed invoice now needs
 *
 * Invoices are written with their open_balance and settled_on (balanceSql) while the balance
 * triggers stand aside (migrations/202611251200_import_speed.sql); a first big load builds the
 * secondary indexes after the rows (deferIndexes).
 */
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { allocatePayment, type OpenInvoice, splitAgainstAdjustment } from '../allocation.ts';
import { copyLine } from '../csv.ts';
import type { CalendarDate } from '../dates.ts';
import type { ImportProfile } from './profile.ts';
import { type ImportKind, parseAppliedTo, type RowError, STAGING } from './rows.ts';

export async function createStaging(tx: Queryable, kind: ImportKind): Promise<void> {
  const columns = STAGING[kind].map(([name, type]) => `${name} ${type}`).join(', ');
  await tx.exec(`
    CREATE TEMP TABLE import_rows (row_no integer NOT NULL, ${columns}) ON COMMIT DROP;
    CREATE TEMP TABLE import_applied (row_no integer NOT NULL, seq integer NOT NULL, number text NOT NULL, amount bigint) ON COMMIT DROP;
    CREATE TEMP TABLE import_errors (row_no integer NOT NULL, col text, val text, reason text NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_changes (customer_id bigint NOT NULL, entity_id bigint NOT NULL, row_no integer NOT NULL, inserted boolean NOT NULL, external_id text NOT NULL, gap bigint) ON COMMIT DROP;
  `);
}

export const STAGING_TARGET = (kind: ImportKind): string =>
  `import_rows (row_no, ${STAGING[kind].map(([n]) => n).join(', ')})`;
export const APPLIED_TARGET = 'import_applied (row_no, seq, number, amount)';

/**
 * After loading: statistics for the planner (temp tables are never auto-analyzed). No
 * indexes: every later statement joins the whole staging table, which hash joins do faster
 * than building an index first (measured on 100k rows).
 */
export async function prepareStaging(tx: Queryable): Promise<void> {
  await tx.exec('ANALYZE import_rows; ANALYZE import_applied;');
}

const UNKNOWN_CUSTOMER =
  'no customer has this external_id; import the customers first (or let the import create them with --create-customers)';

/** Finds the row errors only the database can see and writes them to import_errors. */
export async function checkReferences(
  tx: Queryable,
  kind: ImportKind,
  createCustomers: boolean,
): Promise<void> {
  await tx.execute(
    `INSERT INTO import_errors (row_no, col, val, reason)
     SELECT row_no, 'external_id', external_id, 'external_id is also on row ' || first_row || '; each record needs its own'
       FROM (SELECT row_no, external_id, min(row_no) OVER (PARTITION BY external_id) AS first_row FROM import_rows) d
      WHERE row_no <> first_row`,
  );
  if (kind !== 'customers' && !createCustomers) {
    await tx.execute(
      `INSERT INTO import_errors (row_no, col, val, reason)
       SELECT s.row_no, 'customer_external_id', s.customer_external_id, $1
         FROM import_rows s
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.customer_external_id)`,
      [UNKNOWN_CUSTOMER],
    );
  }
  if (kind === 'invoices') {
    await tx.execute(
      `INSERT INTO import_errors (row_no, col, val, reason)
       SELECT row_no, 'number', number, 'invoice number is also on row ' || first_row || ' (with another external_id)'
         FROM (SELECT row_no, number, external_id, min(row_no) OVER (PARTITION BY number) AS first_row FROM import_rows) d
        WHERE row_no <> first_row AND NOT EXISTS (SELECT 1 FROM import_errors e WHERE e.row_no = d.row_no)`,
    );
    await tx.execute(
      `INSERT INTO import_errors (row_no, col, val, reason)
       SELECT s.row_no, 'number', s.number,
              'invoice number is already used by the invoice with external_id "' || i.external_id || '"'
         FROM import_rows s JOIN invoices i ON i.number = s.number
        WHERE i.external_id <> s.external_id`,
    );
  }
  if (kind === 'payments' || kind === 'credit-notes') {
    await tx.execute(
      `INSERT INTO import_errors (row_no, col, val, reason)
       SELECT a.row_no, 'applied_to', a.number,
              CASE WHEN i.id IS NULL THEN 'no invoice has the number ' || a.number
                   WHEN c.id IS NULL OR i.customer_id <> c.id
                     THEN 'invoice ' || a.number || ' belongs to another customer'
                   ELSE 'invoice ' || a.number || ' is in ' || i.currency || ', not ' || s.currency END
         FROM import_applied a
         JOIN import_rows s ON s.row_no = a.row_no
         LEFT JOIN customers c ON c.external_id = s.customer_external_id
         LEFT JOIN invoices i ON i.number = a.number
        WHERE (i.id IS NULL OR c.id IS NULL OR i.customer_id <> c.id OR i.currency <> s.currency)
          AND (c.id IS NOT NULL OR $1::boolean)`,
      [createCustomers],
    );
  }
}

/** The SQL-found errors: how many rows, and the first `limit` errors by row. */
export async function sqlErrors(tx: Queryable, limit: number): Promise<{ rows: number; errors: RowError[] }> {
  const [count] = await tx.query<{ n: number }>(
    'SELECT count(DISTINCT row_no)::int8 AS n FROM import_errors',
  );
  const rows = count?.n ?? 0;
  if (rows === 0) return { rows, errors: [] };
  const found = await tx.query<{ row_no: number; col: string | null; val: string | null; reason: string }>(
    'SELECT row_no, col, val, reason FROM import_errors ORDER BY row_no, col LIMIT $1',
    [limit],
  );
  return {
    rows,
    errors: found.map((e) => ({ row: e.row_no, column: e.col, value: e.val, reason: e.reason })),
  };
}

/** --partial: the rejected rows leave the staging tables. */
export async function dropRejected(tx: Queryable): Promise<void> {
  await tx.execute('DELETE FROM import_rows s USING import_errors e WHERE s.row_no = e.row_no');
  await tx.execute('DELETE FROM import_applied a USING import_errors e WHERE a.row_no = e.row_no');
}

/** --create-customers: a customer named by its id for every unknown customer_external_id. */
export async function createMissingCustomers(
  tx: Queryable,
  kind: ImportKind,
  actor: string,
): Promise<number> {
  const made = await tx.query<{ n: number }>(
    `WITH made AS (
       INSERT INTO customers (external_id, name)
       SELECT DISTINCT s.customer_external_id, s.customer_external_id
         FROM import_rows s
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.customer_external_id)
       ON CONFLICT (external_id) DO NOTHING
       RETURNING id, external_id
     ), logged AS (
       INSERT INTO audit_log (actor, customer_id, action, entity, entity_id, data)
       SELECT $1, id, 'customer.created', 'customer', external_id, jsonb_build_object('source', $2::text)
         FROM made
       RETURNING 1
     )
     SELECT count(*)::int8 AS n FROM logged`,
    [actor, `import ${kind} --create-customers`],
  );
  return made[0]?.n ?? 0;
}

interface Column {
  /** target column */
  name: string;
  /** value expression over the FROM clause (s = staging, c = customer, e = existing row) */
  expr: string;
  /** jsonb columns merge (existing || new) instead of being replaced */
  merge?: boolean;
}

function upsertSql(
  table: string,
  columns: readonly Column[],
  from: string,
  extraSet: readonly string[] = [],
): string {
  const names = columns.map((c) => c.name);
  const set = columns.map((c) =>
    c.merge ? `${c.name} = t.${c.name} || EXCLUDED.${c.name}` : `${c.name} = EXCLUDED.${c.name}`,
  );
  const newValues = columns.map((c) =>
    c.merge ? `t.${c.name} || EXCLUDED.${c.name}` : `EXCLUDED.${c.name}`,
  );
  const customerId = table === 'customers' ? 't.id' : 't.customer_id';
  const gap = table === 'invoices' ? 't.amount - t.open_balance' : 'NULL::bigint';
  // The WHERE clause makes a re-import of unchanged data a no-op: no new row version, no
  // RETURNING row, so it is counted as unchanged. (xmax = 0) tells an insert from an update.
  return `
    WITH up AS (
      INSERT INTO ${table} AS t (external_id, ${names.join(', ')})
      SELECT s.external_id, ${columns.map((c) => c.expr).join(', ')}
        FROM ${from}
      ON CONFLICT (external_id) DO UPDATE
         SET ${[...extraSet, ...set].join(', ')}, updated_at = now()
       WHERE (${columns.map((c) => `t.${c.name}`).join(', ')}) IS DISTINCT FROM (${newValues.join(', ')})
      RETURNING t.id, ${customerId} AS customer_id, t.external_id, (t.xmax = 0) AS inserted, ${gap} AS gap
    )
    INSERT INTO import_changes (customer_id, entity_id, row_no, inserted, external_id, gap)
    SELECT up.customer_id, up.id, s.row_no, up.inserted, up.external_id, up.gap FROM up JOIN import_rows s ON s.external_id = up.external_id`;
}

/**
 * Writes the staged rows. Columns the file does not have are left alone on update (and get
 * their defaults on insert); custom fields are merged. Returns the number of records inserted
 * and updated.
 */
export async function upsertRows(
  tx: Queryable,
  kind: ImportKind,
  present: ReadonlySet<string>,
  hasCustomFields: boolean,
  today: CalendarDate,
  profile: ImportProfile,
  stagedRows: number,
): Promise<{ inserted: number; updated: number }> {
  const col = (name: string, expr = `s.${name}`): Column => ({ name, expr });
  const when = (name: string, expr?: string): Column[] => (present.has(name) ? [col(name, expr)] : []);
  const custom: Column[] = hasCustomFields
    ? [{ name: 'custom_fields', expr: "coalesce(s.custom_fields, '{}'::jsonb)", merge: true }]
    : [];
  const byCustomer = 'import_rows s JOIN customers c ON c.external_id = s.customer_external_id';
  switch (kind) {
    case 'customers': {
      const optional = [
        'currency',
        'language',
        'time_zone',
        'payment_terms_days',
        'credit_limit',
        'tags',
        'account_manager_email',
        'priority',
        'paused_until',
      ].flatMap((n) => when(n));
      await profile.time('upsert', () =>
        tx.execute(upsertSql('customers', [col('name'), ...optional, ...custom], 'import_rows s')),
      );
      break;
    }
    case 'contacts': {
      // receives_dunning defaults by role: billing and ap contacts receive dunning
      const role = present.has('role') ? 's.role' : "coalesce(e.role, 'billing')";
      const dunning =
        present.has('receives_dunning') || present.has('role')
          ? [col('receives_dunning', `coalesce(s.receives_dunning, ${role} IN ('billing', 'ap'))`)]
          : [];
      const columns = [
        col('customer_id', 'c.id'),
        ...['name', 'email', 'phone', 'role', 'preferred_channel'].flatMap((n) => when(n)),
        ...dunning,
        ...custom,
      ];
      // a new address is worth trying again even if the old one bounced
      const extra = present.has('email')
        ? [
            "email_status = CASE WHEN t.email IS DISTINCT FROM EXCLUDED.email THEN 'ok' ELSE t.email_status END",
          ]
        : [];
      await profile.time('upsert', () =>
        tx.execute(
          upsertSql(
            'contacts',
            columns,
            `${byCustomer} LEFT JOIN contacts e ON e.external_id = s.external_id`,
            extra,
          ),
        ),
      );
      break;
    }
    case 'invoices': {
      // the status the invoice will have: the file's, else the existing one, else the default
      const status = present.has('status') ? 's.status' : "coalesce(e.status, 'open')";
      const columns = [
        col('customer_id', 'c.id'),
        col('number'),
        col('issue_date'),
        col('due_date', 'coalesce(s.due_date, s.issue_date + c.payment_terms_days)'),
        col('currency'),
        col('amount'),
        ...['po_number', 'status', 'disputed'].flatMap((n) => when(n)),
        ...custom,
        col('open_balance', 'b.open_balance'),
        col(
          'settled_on',
          `CASE WHEN b.open_balance <= 0 THEN greatest(e.applied_last,
             CASE WHEN b.adjustment > 0 THEN
               CASE WHEN b.adjustment = e.adjustment THEN e.adjustment_date ELSE $1::date END END) END`,
        ),
      ];
      const deferred = await profile.time('drop indexes', () => deferIndexes(tx, 'invoices', stagedRows));
      await profile.time('existing invoices', () => loadExisting(tx));
      // The import writes balances and adjustments itself (see balanceSql): the triggers that
      // would write every adjusted invoice a second time stand aside until it is done.
      await tx.query("SELECT set_config('dunwell.balance_refresh', 'off', true)");
      await profile.time('upsert', () =>
        tx.execute(upsertSql('invoices', columns, `${byCustomer} ${balanceSql(status)}`), [today]),
      );
      // a first load writes its adjustments into an empty applications table too
      const deferredApplications = await profile.time('drop indexes', () =>
        deferIndexes(tx, 'applications', stagedRows),
      );
      await profile.time('adjustments', () => writeAdjustments(tx, today));
      await tx.query("SELECT set_config('dunwell.balance_refresh', 'on', true)");
      await profile.time('build indexes', () => rebuildIndexes(tx, [...deferred, ...deferredApplications]));
      await profile.time('balance check', () => healUpdatedBalances(tx));
      break;
    }
    case 'payments':
    case 'credit-notes': {
      const columns = [
        col('customer_id', 'c.id'),
        ...(kind === 'credit-notes' ? [col('number')] : []),
        col('date'),
        col('amount'),
        col('currency'),
        ...(kind === 'payments' ? when('reference') : []),
        ...when('applied_to'),
        ...custom,
      ];
      await profile.time('upsert', () =>
        tx.execute(upsertSql(kind === 'payments' ? 'payments' : 'credit_notes', columns, byCustomer)),
      );
      await profile.time('allocation', () => allocate(tx, kind));
      break;
    }
  }
  const [counts] = await tx.query<{ inserted: number; updated: number }>(
    `SELECT count(*) FILTER (WHERE inserted)::int8 AS inserted, count(*) FILTER (WHERE NOT inserted)::int8 AS updated
       FROM import_changes`,
  );
  return { inserted: counts?.inserted ?? 0, updated: counts?.updated ?? 0 };
}

/** A first load of at least this many rows builds the secondary indexes after the load. */
export const DEFER_INDEXES_MIN_ROWS = 10_000;

/**
 * A first load (the table is empty) of many rows: drops the table's non-unique indexes, to be
 * built again by `rebuildIndexes` after the rows are in — sorting once is much cheaper than
 * inserting a million entries into each index one by one, most of all when the indexes no
 * longer fit in shared buffers. All in the import's transaction (as pg_restore does): the
 * definitions come from the catalog, a rollback brings the indexes back, and other
 * connections wait on the table's lock meanwhile instead of seeing it without its indexes.
 * Unique indexes stay (the upsert's conflict target, invoice numbers).
 */
async function deferIndexes(tx: Queryable, table: string, stagedRows: number): Promise<string[]> {
  if (stagedRows < DEFER_INDEXES_MIN_ROWS) return [];
  const isEmpty = async () =>
    (await tx.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS empty`))[0]?.empty;
  if (!(await isEmpty())) return [];
  await tx.exec(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  // another connection may have written rows between the check and the lock
  if (!(await isEmpty())) return [];
  const indexes = await tx.query<{ drop: string; def: string }>(
    `SELECT format('DROP INDEX %I.%I', n.nspname, c.relname) AS drop, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisprimary
      ORDER BY c.relname`,
    [table],
  );
  if (indexes.length > 0) await tx.exec(indexes.map((x) => `${x.drop};`).join('\n'));
  return indexes.map((x) => x.def);
}

async function rebuildIndexes(tx: Queryable, definitions: readonly string[]): Promise<void> {
  if (definitions.length === 0) return;
  // sorting a million keys in memory instead of in temporary files (for this transaction only)
  await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`);
  await tx.exec(definitions.map((d) => `${d};`).join('\n'));
}

/**
 * The existing invoice of each staged row with what Dunwell knows was applied to it: the sum
 * and last date of its payment and credit-note applications, and its adjustment.
 */
async function loadExisting(tx: Queryable): Promise<void> {
  await tx.exec(`
    CREATE TEMP TABLE import_existing ON COMMIT DROP AS
    SELECT s.row_no, i.id, i.status,
           coalesce(sum(a.amount) FILTER (WHERE a.kind <> 'adjustment'), 0)::bigint AS applied,
           max(a.date) FILTER (WHERE a.kind <> 'adjustment') AS applied_last,
           coalesce(sum(a.amount) FILTER (WHERE a.kind = 'adjustment'), 0)::bigint AS adjustment,
           max(a.date) FILTER (WHERE a.kind = 'adjustment') AS adjustment_date
      FROM import_rows s
      JOIN invoices i ON i.external_id = s.external_id
      LEFT JOIN applications a ON a.invoice_id = i.id
     GROUP BY s.row_no, i.id, i.status;
    ANALYZE import_existing;`);
}

/**
 * The balance an invoice is written with. An invoice whose stated balance is below what
 * Dunwell's applications explain gets one 'adjustment' application for the difference (dated
 * `today`, the day Dunwell learnt of it); a re-import recomputes it and removes it when it is
 * no longer needed. Target balance: `balance` if given, else 0 for status paid, else the
 * amount. With `applied` = the invoice's payment and credit-note applications (0 for a new one):
 *
 *   adjustment   = max(0, amount − applied − target balance)
 *   open_balance = amount − applied − adjustment        (= amount − every application)
 *   settled_on   = when open_balance ≤ 0: the latest application date, the adjustment's
 *                  counting as today when it is new or changed
 *
 * This is exactly what the applications triggers would compute after the adjustments are
 * written, without writing the invoice twice.
 */
function balanceSql(status: string): string {
  return `LEFT JOIN import_existing e ON e.row_no = s.row_no
    CROSS JOIN LATERAL (
      SELECT s.amount - coalesce(e.applied, 0) - x.adjustment AS open_balance, x.adjustment
        FROM (SELECT greatest(0, s.amount - coalesce(e.applied, 0)
                - coalesce(s.balance, CASE WHEN ${status} = 'paid' THEN 0 ELSE s.amount END)) AS adjustment) x
    ) b`;
}

/**
 * Writes the adjustments the upsert's balances imply (amount − open_balance − applied), for
 * the invoices it inserted or changed: an adjustment changes only together with its invoice's
 * balance or amount. Runs while the applications triggers stand aside.
 */
async function writeAdjustments(tx: Queryable, today: CalendarDate): Promise<void> {
  await tx.exec(`
    CREATE TEMP TABLE import_adjust ON COMMIT DROP AS
    SELECT x.entity_id AS invoice_id, x.gap - coalesce(e.applied, 0) AS new_amount
      FROM import_changes x
      LEFT JOIN import_existing e ON e.row_no = x.row_no
     WHERE x.gap - coalesce(e.applied, 0) <> coalesce(e.adjustment, 0)`);
  await tx.execute(
    `DELETE FROM applications a USING import_adjust j
      WHERE a.invoice_id = j.invoice_id AND a.kind = 'adjustment' AND j.new_amount = 0`,
  );
  await tx.execute(
    `INSERT INTO applications (invoice_id, kind, amount, date)
     SELECT invoice_id, 'adjustment', new_amount, $1::date FROM import_adjust WHERE new_amount > 0
     ON CONFLICT (invoice_id) WHERE kind = 'adjustment'
     DO UPDATE SET amount = EXCLUDED.amount, date = EXCLUDED.date`,
    [today],
  );
}

/**
 * The balances of updated invoices were computed from this transaction's view of their
 * applications; one written meanwhile by another connection (PostgreSQL) would be missed.
 * Checks the updated invoices (new ones cannot have others' applications) and refreshes any
 * that differ. Reads only; writes nothing when all is consistent.
 */
async function healUpdatedBalances(tx: Queryable): Promise<void> {
  const [updated] = await tx.query<{ n: number }>(
    'SELECT count(*)::int8 AS n FROM import_changes WHERE NOT inserted',
  );
  if (!updated?.n) return;
  await tx.query(
    `SELECT refresh_invoice_balances(ARRAY(
       SELECT i.id FROM import_changes x JOIN invoices i ON i.id = x.entity_id
        WHERE NOT x.inserted
          AND i.open_balance <> i.amount - coalesce((SELECT sum(a.amount) FROM applications a WHERE a.invoice_id = i.id), 0)))`,
  );
}

const CUSTOMERS_PER_BATCH = 500;

type AllocRow = {
  id: number;
  customer_id: number;
  date: string;
  amount: number;
  currency: string;
  reference: string;
  applied_to: string;
};

type InvoiceRow = {
  id: number;
  customer_id: number;
  number: string;
  currency: string;
  due_date: string;
  issue_date: string;
  open_balance: number;
  adjustment: number;
};

/**
 * (Re-)allocates the payments or credit notes this import inserted or changed: their old
 * applications are removed, then each customer's are allocated in date order against that
 * customer's open invoices. An application first consumes the invoice's adjustment.
 */
async function allocate(tx: Queryable, kind: 'payments' | 'credit-notes'): Promise<void> {
  const table = kind === 'payments' ? 'payments' : 'credit_notes';
  const ref = kind === 'payments' ? 'payment_id' : 'credit_note_id';
  const appKind = kind === 'payments' ? 'payment' : 'credit_note';
  await tx.execute(
    `DELETE FROM applications WHERE ${ref} IN (SELECT entity_id FROM import_changes WHERE NOT inserted)`,
  );
  await tx.exec(`
    CREATE TEMP TABLE import_new_apps (invoice_id bigint, source_id bigint, amount bigint, date date) ON COMMIT DROP;
    CREATE INDEX ON import_changes (customer_id);
    ANALYZE import_changes;
  `);
  const customers = (
    await tx.query<{ customer_id: number }>('SELECT DISTINCT customer_id FROM import_changes ORDER BY 1')
  ).map((r) => r.customer_id);
  for (let i = 0; i < customers.length; i += CUSTOMERS_PER_BATCH) {
    const ids = customers.slice(i, i + CUSTOMERS_PER_BATCH);
    const items = await tx.query<AllocRow>(
      `SELECT p.id, p.customer_id, p.date, p.amount, p.currency, ${kind === 'payments' ? 'p.reference' : "''"} AS reference, p.applied_to
         FROM import_changes x JOIN ${table} p ON p.id = x.entity_id
        WHERE x.customer_id = ANY($1::bigint[])
        ORDER BY p.customer_id, p.date, x.row_no`,
      [ids],
    );
    const invoices = await tx.query<InvoiceRow>(
      `SELECT i.id, i.customer_id, i.number, i.currency, i.due_date, i.issue_date, i.open_balance,
              coalesce(a.amount, 0) AS adjustment
         FROM invoices i
         LEFT JOIN applications a ON a.invoice_id = i.id AND a.kind = 'adjustment'
        WHERE i.customer_id = ANY($1::bigint[]) AND i.status <> 'void'
          AND (i.open_balance > 0 OR a.amount > 0)`,
      [ids],
    );
    const byCustomer = new Map<number, InvoiceRow[]>();
    for (const inv of invoices) {
      const list = byCustomer.get(inv.customer_id);
      if (list) list.push(inv);
      else byCustomer.set(inv.customer_id, [inv]);
    }
    let lines = '';
    const adjustments = new Map<number, number>();
    for (const item of items) {
      const own = byCustomer.get(item.customer_id) ?? [];
      const open: OpenInvoice[] = own.map((inv) => ({
        id: inv.id,
        number: inv.number,
        currency: inv.currency,
        dueDate: inv.due_date,
        issueDate: inv.issue_date,
        openBalance: Math.max(0, inv.open_balance) + inv.adjustment,
      }));
      const appliedTo = parseAppliedTo(item.applied_to, item.currency);
      const result = allocatePayment(
        {
          amount: item.amount,
          currency: item.currency,
          reference: item.reference,
          appliedTo: typeof appliedTo === 'string' ? [] : appliedTo,
        },
        open,
      );
      for (const app of result.applications) {
        const inv = own.find((x) => x.id === app.invoiceId)!;
        const split = splitAgainstAdjustment(app.amount, inv.adjustment);
        inv.adjustment -= split.fromAdjustment;
        inv.open_balance -= split.fromOpenBalance;
        if (split.fromAdjustment > 0) adjustments.set(inv.id, inv.adjustment);
        lines += copyLine([app.invoiceId, item.id, app.amount, item.date]);
      }
    }
    if (lines !== '') {
      await tx.copyCsv('import_new_apps (invoice_id, source_id, amount, date)', lines);
      await tx.execute(
        `INSERT INTO applications (invoice_id, kind, ${ref}, amount, date)
         SELECT invoice_id, '${appKind}', source_id, amount, date FROM import_new_apps`,
      );
      await tx.execute('TRUNCATE import_new_apps');
    }
    if (adjustments.size > 0) {
      const invoiceIds = [...adjustments.keys()];
      const amounts = invoiceIds.map((id) => adjustments.get(id) ?? 0);
      await tx.execute(
        `DELETE FROM applications a USING unnest($1::bigint[], $2::bigint[]) AS v(invoice_id, amount)
          WHERE a.invoice_id = v.invoice_id AND a.kind = 'adjustment' AND v.amount = 0`,
        [invoiceIds, amounts],
      );
      await tx.execute(
        `UPDATE applications a SET amount = v.amount
           FROM unnest($1::bigint[], $2::bigint[]) AS v(invoice_id, amount)
          WHERE a.invoice_id = v.invoice_id AND a.kind = 'adjustment' AND v.amount > 0`,
        [invoiceIds, amounts],
      );
    }
  }
}

const ENTITY: Record<ImportKind, string> = {
  customers: 'customer',
  contacts: 'contact',
  invoices: 'invoice',
  payments: 'payment',
  'credit-notes': 'credit_note',
};

/**
 * One timeline event per customer this import changed (not one per row): counts plus the
 * first row numbers and external ids, so a collector can see what the import did.
 */
export async function recordImportEvents(tx: Queryable, kind: ImportKind, actor: string): Promise<void> {
  await tx.execute(
    `INSERT INTO audit_log (actor, customer_id, action, entity, entity_id, data)
     SELECT $1, x.customer_id, $2, $3, NULL,
            jsonb_build_object(
              'kind', $4::text,
              'inserted', count(*) FILTER (WHERE x.inserted),
              'updated', count(*) FILTER (WHERE NOT x.inserted),
              'rows', to_jsonb((array_agg(x.row_no ORDER BY x.row_no))[1:20]),
              'external_ids', to_jsonb((array_agg(x.external_id ORDER BY x.row_no))[1:20]))
       FROM import_changes x
      GROUP BY x.customer_id`,
    [actor, `import.${kind}`, ENTITY[kind], kind],
  );
}

/** Unapplied credit per currency (payments and credit notes minus their applications). */
export async function customerCredit(
  db: Queryable,
  customerId: number,
): Promise<{ currency: string; amount: number }[]> {
  return db.query<{ currency: string; amount: number }>(
    `SELECT currency, sum(unapplied)::int8 AS amount FROM (
       SELECT p.currency, p.amount - coalesce((SELECT sum(a.amount) FROM applications a WHERE a.payment_id = p.id), 0) AS unapplied
         FROM payments p WHERE p.customer_id = $1
       UNION ALL
       SELECT n.currency, n.amount - coalesce((SELECT sum(a.amount) FROM applications a WHERE a.credit_note_id = n.id), 0)
         FROM credit_notes n WHERE n.customer_id = $1
     ) x GROUP BY currency HAVING sum(unapplied) > 0 ORDER BY currency`,
    [customerId],
  );
}

export type { Tx };
