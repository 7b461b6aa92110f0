/**
 * The daily engine run (the shell around the pure planner): refresh promises, cancel planned
 * messages whose invoices were paid (R6), then for each batch of customers load the planner's
 * input with set-based SQL, call planDay, and write its messages, tasks and slot firings in
 * one transaction per batch.
 *
 * Why two runs at once cannot duplicate anything (R2):
 * 1. Each batch transaction first takes a transaction-scoped advisory lock (one key for the
 *    whole engine) and only then loads the batch. A second run waits for the first batch
 *    transaction to commit, loads afterwards, sees the slots the first one wrote as prior
 *    firings, and plans nothing for them. Loading inside the lock is what makes this work: a
 *    decision is never based on a snapshot older than the latest committed firing.
 * 2. Independently, every decision is a row with `slot_key UNIQUE` (an invoice slot's key
 *    names its invoice, campaign, step and occurrence; the lower slots a compact skip lists
 *    in also_skipped lie below a recorded slot, which the planner never decides again).
 *    Messages and tasks are written in the same transaction as
 *    the slots they carry, so if anything ever bypassed the lock (another tool, a bug), the
 *    duplicate slot would abort the whole batch — its message and task included — and the
 *    batch is loaded and planned again, now seeing the other writer's slots.
 * A crash between batches leaves finished batches committed; re-running plans only the rest.
 */
import type { CalendarDate } from '../ledger/dates.ts';
import { type PromiseTransition, promiseTransitions, refreshPromises } from '../ledger/promises.ts';
import {
  attachmentNames,
  cancelObsoleteMessages,
  findObsoleteMessages,
  type OutboxView,
} from '../messages/outbox.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable, Tx } from '../platform/db/index.ts';
import type { TaskView } from '../tasks/tasks.ts';
import {
  type CustomerBatch,
  customerBatches,
  DEFAULT_BATCH_SIZE,
  type EngineContext,
  loadEngineContext,
  loadPlannerInput,
  organisationToday,
  PhaseTimer,
  STEADY_BATCH_SIZE,
} from './load.ts';
import { planDay, unsettledCustomers } from './planner/index.ts';
import type { BrokenPromise, DayPlan, PlannerInput } from './planner/types.ts';
import { findSteadyBasis, type InvoiceRow, type SteadySelection, selectSteadyCustomers } from './window.ts';

/** A full pass over at least this many customers refreshes the engine tables' statistics. */
const ANALYZE_AFTER_CUSTOMERS = 10_000;

/** Any constant works; every Dunwell process must use the same one. */
const ENGINE_LOCK = 'dunwell.engine.plan';

export interface RunOptions {
  /** The local day to plan; default: today in the organisation's time zone. */
  date?: CalendarDate | undefined;
  dryRun?: boolean;
  /** Plan only these customers (the scheduler); default: every customer. */
  customerIds?: readonly number[] | undefined;
  /**
   * Plan every customer even when a steady day would do (../window.ts): the first-day path,
   * used by tests that compare both and by operators who want a full pass.
   */
  fullPass?: boolean;
  /** Who runs it, for engine_runs and the timeline: 'cli', 'api:<key>', 'scheduler'. */
  actor: string;
  clock: Clock;
  batchSize?: number;
  /** Return the planned messages and tasks (dry runs print them); off for big runs. */
  collect?: boolean;
  /** Called after each batch (progress bars). */
  onBatch?: (done: number, total: number) => void;
}

/** PRODUCT §2.2's run object plus what the CLI and API show beside it. */
export interface RunResult {
  date: CalendarDate;
  messages: number;
  tasks: number;
  skipped: number;
  cancelled: number;
  detail: {
    runId: number | null;
    dryRun: boolean;
    customers: number;
    batches: number;
    /** Firing steps held back today (R5 throttle, R8 calendar), per customer and campaign. */
    waits: number;
    promises: { kept: number; partial: number; broken: number };
    /** Set when no campaign file was ever applied (then nothing is planned). */
    noCampaigns: boolean;
    /**
     * A steady day: the complete run it started from and why each planned customer was
     * chosen; null when every customer (or every given customer) was planned.
     */
    steady: { basisRunId: number; basisDate: CalendarDate; reasons: Record<string, number> } | null;
    /** With `collect`: what was (or, in a dry run, would be) written. */
    outbox?: OutboxView[];
    taskList?: PlannedTaskView[];
  };
}

/** The §2.2 outbox shape of a planned message (id null until it is written). */
export function plannedMessageView(m: DayPlan['messages'][number], id: number | null = null): OutboxView {
  const numbers = m.invoices.map((i) => i.number);
  return {
    id,
    customer_external_id: m.customerExternalId,
    campaign: m.campaignKey,
    step: m.stepKey,
    template: m.template,
    language: m.language,
    planned_for: m.plannedFor,
    status: 'planned',
    to: m.to.map((r) => r.email),
    cc: m.cc.map((r) => r.email),
    invoices: numbers,
    subject: null,
    attachments: attachmentNames(m.attach, numbers, m.plannedFor),
    message_id: null,
  };
}

/** A task as §2.2 shows it; id null in forecasts and dry runs (nothing was written). */
export type PlannedTaskView = Omit<TaskView, 'id'> & { id: number | null };

/** The §2.2 task shape of a planned task; `numbers` maps invoice ids to numbers. */
export function plannedTaskView(
  t: DayPlan['tasks'][number],
  numbers: ReadonlyMap<number, string>,
  id: number | null = null,
): PlannedTaskView {
  return {
    id,
    customer_external_id: t.customerExternalId,
    kind: t.kind,
    title: t.title,
    due: t.due,
    status: 'open',
    invoices: t.invoiceIds.map((i) => numbers.get(i) ?? String(i)),
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

export async function runEngine(db: Db, options: RunOptions): Promise<RunResult> {
  const date = options.date ?? (await organisationToday(db, options.clock));
  const dryRun = options.dryRun ?? false;
  // DUNWELL_ENGINE_PROFILE=1: wall time per phase and per batch on stderr.
  const profile = process.env.DUNWELL_ENGINE_PROFILE === '1' ? new PhaseTimer() : undefined;
  const report = (line: string) => process.stderr.write(`engine-profile: ${line}\n`);

  let runId: number | null = null;
  if (!dryRun) {
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO engine_runs (run_date, actor, customer_count, tracks_pending, changes_since)
       VALUES ($1, $2, $3, true, (SELECT least(now(), min(xact_start)) FROM pg_stat_activity
                                   WHERE datname = current_database()))
       RETURNING id`,
      [date, options.actor, options.customerIds ? options.customerIds.length : null],
    );
    runId = row!.id;
  }
  const result: RunResult = {
    date,
    messages: 0,
    tasks: 0,
    skipped: 0,
    cancelled: 0,
    detail: {
      runId,
      dryRun,
      customers: 0,
      batches: 0,
      waits: 0,
      promises: { kept: 0, partial: 0, broken: 0 },
      noCampaigns: false,
      steady: null,
      ...(options.collect ? { outbox: [], taskList: [] } : {}),
    },
  };

  try {
    // 1. Promises (R6): kept, partial or broken as of D. A dry run computes the same without writing.
    const transitions: PromiseTransition[] = dryRun
      ? await promiseTransitions(db, date)
      : await refreshPromises(db, date, 'engine');
    for (const t of transitions) result.detail.promises[t.status]++;
    profile?.lap('promises');
    const newlyBroken: BrokenPromise[] = dryRun
      ? transitions
          .filter((t) => t.status === 'broken')
          .map((t) => ({
            promiseId: t.promiseId,
            customerId: t.customerId,
            invoiceId: t.invoiceId,
            brokenOn: t.settledOn,
          }))
      : [];

    // 2. R6's paid check on what is planned but unsent. Before planning, because cancelled
    // messages no longer count against the throttle (R5).
    let cancelledIds: number[] = [];
    if (dryRun) {
      cancelledIds = await findObsoleteMessages(db, date, null);
      result.cancelled = cancelledIds.length;
    } else {
      result.cancelled = await db.transaction((tx) => cancelObsoleteMessages(tx, date, { actor: 'engine' }));
    }
    profile?.lap('cancel');

    // 3. Plan and write, batch by batch.
    const ctx = await loadEngineContext(db, date, {
      brokenPromises: newlyBroken,
      cancelledMessageIds: new Set(cancelledIds),
    });
    result.detail.noCampaigns = !ctx.hasCampaigns;
    profile?.lap('context');
    // A steady day (every customer, after a complete run): only the customers something can
    // have moved for since then (../window.ts); otherwise a full pass.
    let steady: SteadySelection | null = null;
    if (!options.customerIds && !options.fullPass && ctx.hasCampaigns) {
      const basis = await findSteadyBasis(db, date);
      if (basis) {
        const broken = [...transitions.filter((t) => t.status === 'broken').map((t) => t.customerId)];
        steady = await selectSteadyCustomers(db, ctx, basis, broken);
      }
      profile?.lap('select');
      if (steady) {
        result.detail.steady = {
          basisRunId: steady.basis.runId,
          basisDate: steady.basis.runDate,
          reasons: steady.reasons,
        };
        if (profile) {
          const why = Object.entries(steady.reasons).map(([k, n]) => `${k} ${n}`);
          report(`steady day after run ${steady.basis.runId} (${steady.basis.runDate}): ${why.join(', ')}`);
        }
      }
    }
    const batchSize = options.batchSize ?? (steady ? STEADY_BATCH_SIZE : DEFAULT_BATCH_SIZE);
    const batches = await customerBatches(db, batchSize, steady ? steady.customerIds : options.customerIds);
    result.detail.batches = batches.length;
    const windowOnly = steady?.windowOnly;
    let done = 0;
    for (const batch of batches) {
      const before = profile ? new Map(profile.totals) : null;
      if (dryRun) {
        const input = await loadPlannerInput(db, ctx, batch, profile, windowOnly);
        const plan = planDay(input);
        profile?.lap('plan');
        tally(result, input, plan, null, options.collect ?? false);
      } else {
        await planAndWriteBatch(
          db,
          ctx,
          batch,
          runId!,
          result,
          options.collect ?? false,
          profile,
          windowOnly,
        );
      }
      options.onBatch?.(++done, batches.length);
      if (profile && before) {
        const spent = [...profile.totals]
          .map(([phase, s]) => [phase, s - (before.get(phase) ?? 0)] as const)
          .filter(([phase, s]) => s > 0.0005 && phase !== 'other')
          .map(([phase, s]) => `${phase} ${s.toFixed(3)}`);
        report(`batch ${done}/${batches.length} (customers ${batch.from}–${batch.to}): ${spent.join(', ')}`);
      }
    }

    if (!dryRun && !steady && result.detail.customers >= ANALYZE_AFTER_CUSTOMERS) {
      // A full pass over a large ledger (the first day writes a slot row per old invoice)
      // changes the engine tables' sizes by orders of magnitude; the next steady day's
      // lookups by invoice and customer need statistics that know it, and PGlite has no
      // autovacuum to refresh them.
      await db.exec(
        'ANALYZE engine_firings, engine_customer_state, outbox_messages, outbox_message_invoices',
      );
      profile?.lap('analyze');
    }
    if (!dryRun) {
      await db.execute(
        `UPDATE engine_runs SET status = 'finished', finished_at = now(), messages = $2, tasks = $3,
                skipped = $4, cancelled = $5 WHERE id = $1`,
        [runId, result.messages, result.tasks, result.skipped, result.cancelled],
      );
    }
    if (profile) {
      profile.lap('finish');
      report(`total: ${profile.summary()}; rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MB`);
    }
    return result;
  } catch (err) {
    if (runId !== null) {
      await db
        .execute(`UPDATE engine_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [
          runId,
          (err as Error).message.slice(0, 2000),
        ])
        .catch(() => {});
    }
    throw err;
  }
}

/** Counts a batch's plan into the result (and collects its views when asked). */
function tally(
  result: RunResult,
  input: PlannerInput,
  plan: DayPlan,
  ids: { messages: number[]; tasks: number[] } | null,
  collect: boolean,
): void {
  result.detail.customers += input.customers.length;
  result.messages += plan.messages.length;
  result.tasks += plan.tasks.length;
  result.detail.waits += plan.waits.length;
  // A compact skip decision counts every slot it marks skipped (PRODUCT §2.2's `skipped`).
  for (const f of plan.firings)
    if (f.outcome === 'skipped') result.skipped += 1 + (f.alsoSkipped?.length ?? 0);
  if (collect) {
    const numbers = new Map(input.invoices.map((i) => [i.id, i.number]));
    plan.messages.forEach((m, i) => {
      result.detail.outbox!.push(plannedMessageView(m, ids?.messages[i] ?? null));
    });
    plan.tasks.forEach((t, i) => {
      result.detail.taskList!.push(plannedTaskView(t, numbers, ids?.tasks[i] ?? null));
    });
  }
}

async function planAndWriteBatch(
  db: Db,
  ctx: EngineContext,
  batch: CustomerBatch,
  runId: number,
  result: RunResult,
  collect: boolean,
  profile?: PhaseTimer,
  windowOnly?: ReadonlyMap<number, readonly InvoiceRow[]>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [ENGINE_LOCK]);
        // The batch's sorts (highest slot per invoice) fit in memory instead of spilling.
        await tx.exec(`SET LOCAL work_mem = '64MB'`);
        profile?.lap('lock');
        const input = await loadPlannerInput(tx, ctx, batch, profile, windowOnly);
        const plan = planDay(input);
        profile?.lap('plan');
        const ids = await writePlan(tx, input, plan, runId, profile);
        await writeCustomerState(tx, input, plan);
        profile?.lap('write.state');
        return { input, plan, ids };
      });
      profile?.lap('write.commit');
      tally(result, written.input, written.plan, written.ids, collect);
      return;
    } catch (err) {
      if (isUniqueViolation(err) && attempt < 3) continue;
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Writing: COPY (CSV) into the tables, ids allocated up front from the identity sequences so
// messages, tasks and firings can reference each other without a round trip per row.

/** Quoted only when needed: an empty string must be quoted ("" is not NULL). */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === '' || /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: readonly unknown[][]): string {
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) line += i === 0 ? csvField(row[i]) : `,${csvField(row[i])}`;
    out += `${line}\n`;
  }
  return out;
}

/** Rows per COPY statement: bounds the CSV text (and the row arrays) held at once. */
const COPY_CHUNK = 10_000;

/** COPYs `items` into `target`, `toRow` building each CSV row, in chunks of COPY_CHUNK. */
async function copyRows<T>(
  tx: Queryable,
  target: string,
  items: readonly T[],
  toRow: (item: T, index: number) => unknown[],
): Promise<void> {
  for (let from = 0; from < items.length; from += COPY_CHUNK) {
    const rows: unknown[][] = [];
    const to = Math.min(items.length, from + COPY_CHUNK);
    for (let i = from; i < to; i++) rows.push(toRow(items[i]!, i));
    await tx.copyCsv(target, csv(rows));
  }
}

/** A PostgreSQL array literal; plain tokens (slot keys, numbers) go unquoted. */
function pgArray(values: readonly (string | number)[]): string {
  return `{${values
    .map((v) =>
      typeof v === 'number'
        ? String(v)
        : /^[A-Za-z0-9:_.-]+$/.test(v) && v.toLowerCase() !== 'null'
          ? v
          : `"${v.replace(/["\\]/g, '\\$&')}"`,
    )
    .join(',')}}`;
}

async function allocateIds(tx: Queryable, table: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  const rows = await tx.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)`,
    [table, count],
  );
  return rows.map((r) => r.id);
}

async function writePlan(
  tx: Tx,
  input: PlannerInput,
  plan: DayPlan,
  runId: number,
  profile?: PhaseTimer,
): Promise<{ messages: number[]; tasks: number[] }> {
  const messageIds = await allocateIds(tx, 'outbox_messages', plan.messages.length);
  const taskIds = await allocateIds(tx, 'tasks', plan.tasks.length);
  profile?.lap('write.ids');

  if (plan.messages.length > 0) {
    await copyRows(
      tx,
      'outbox_messages (id, customer_id, run_id, campaign_key, campaign_version_id, step_key, template, language, dunning, planned_for, to_recipients, cc_recipients, attach, ab_arm)',
      plan.messages,
      (m, i) => [
        messageIds[i],
        m.customerId,
        runId,
        m.campaignKey,
        m.campaignVersionId ?? null,
        m.stepKey,
        m.template,
        m.language,
        m.dunning,
        m.plannedFor,
        m.to,
        m.cc,
        pgArray(m.attach),
        m.arm ?? null,
      ],
    );
    await tx.copyCsv(
      'outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)',
      csv(
        plan.messages.flatMap((m, i) =>
          m.invoices.map((inv, position) => [
            messageIds[i],
            inv.invoiceId,
            position,
            inv.stepKey,
            inv.openBalance,
          ]),
        ),
      ),
    );
  }
  profile?.lap('write.messages');
  if (plan.tasks.length > 0) {
    const versionOf = new Map(input.campaigns.map((c) => [c.key, c.versionId ?? null]));
    await tx.copyCsv(
      'tasks (id, customer_id, run_id, kind, title, due, invoice_ids, campaign_key, campaign_version_id, step_key)',
      csv(
        plan.tasks.map((t, i) => [
          taskIds[i],
          t.customerId,
          runId,
          t.kind,
          t.title,
          t.due,
          pgArray(t.invoiceIds),
          t.campaignKey,
          t.campaignKey === null ? null : (versionOf.get(t.campaignKey) ?? null),
          t.stepKey,
        ]),
      ),
    );
  }
  profile?.lap('write.tasks');
  if (plan.firings.length > 0) {
    // A slot that is already taken raises a unique violation here: the whole batch (its
    // messages and tasks included) rolls back and is planned again (see the top comment).
    await copyRows(
      tx,
      'engine_firings (slot_key, customer_id, invoice_id, campaign_key, campaign_version_id, step_key, occurrence, slot_offset, fired_on, outcome, reason, also_skipped, run_id, message_id, task_id, ab_arm)',
      plan.firings,
      (f) => [
        f.key,
        f.customerId,
        f.invoiceId,
        f.campaignKey,
        f.campaignVersionId ?? null,
        f.stepKey,
        f.occurrence,
        f.slotOffset ?? null,
        plan.date,
        f.outcome,
        f.reason ?? null,
        // R3: the lower slots this skip marks skipped too (see the migration), readable keys.
        pgArray(f.alsoSkipped ?? []),
        runId,
        f.messageIndex === undefined ? null : messageIds[f.messageIndex],
        f.taskIndex === undefined ? null : taskIds[f.taskIndex],
        f.arm ?? null,
      ],
    );
  }
  profile?.lap('write.firings');
  // The customer's timeline: one event per planned message and per created task.
  const events: unknown[][] = [
    ...plan.messages.map((m, i) => [
      'engine',
      m.customerId,
      'message.planned',
      'outbox_message',
      String(messageIds[i]),
      {
        run_id: runId,
        campaign: m.campaignKey,
        campaign_version_id: m.campaignVersionId ?? null,
        step: m.stepKey,
        template: m.template,
        planned_for: m.plannedFor,
        invoices: m.invoices.map((x) => x.number),
      },
    ]),
    ...plan.tasks.map((t, i) => [
      'engine',
      t.customerId,
      'task.created',
      'task',
      String(taskIds[i]),
      { run_id: runId, kind: t.kind, title: t.title, due: t.due, campaign: t.campaignKey, step: t.stepKey },
    ]),
  ];
  if (events.length > 0) {
    await tx.copyCsv('audit_log (actor, customer_id, action, entity, entity_id, data)', csv(events));
  }
  profile?.lap('write.audit');
  return { messages: messageIds, tasks: taskIds };
}

/**
 * What each planned customer's day left (engine_customer_state): pending customers are
 * planned again on the next steady day whatever else happens. A run of an earlier day (the
 * scheduler behind in its time zone) never overwrites a later day's state. An unchanged row
 * is left alone (most of them, every day): its older planned_on can only let a later run of
 * an earlier day mark the customer pending again, which costs a look, never a decision.
 */
async function writeCustomerState(tx: Queryable, input: PlannerInput, plan: DayPlan): Promise<void> {
  if (input.customers.length === 0) return;
  const unsettled = unsettledCustomers(input, plan);
  await tx.execute(
    `INSERT INTO engine_customer_state (customer_id, planned_on, pending)
     SELECT c, $1::date, p FROM unnest($2::bigint[], $3::boolean[]) AS s(c, p)
     ON CONFLICT (customer_id) DO UPDATE SET planned_on = EXCLUDED.planned_on, pending = EXCLUDED.pending
      WHERE engine_customer_state.planned_on <= EXCLUDED.planned_on
        AND engine_customer_state.pending <> EXCLUDED.pending`,
    [plan.date, input.customers.map((c) => c.id), input.customers.map((c) => unsettled.has(c.id))],
  );
}

/** Engine runs, newest first (the API's /runs). */
export async function listRuns(
  q: Queryable,
  limit = 50,
): Promise<
  {
    id: number;
    date: CalendarDate;
    actor: string;
    status: string;
    started_at: string;
    finished_at: string | null;
    messages: number;
    tasks: number;
    skipped: number;
    cancelled: number;
  }[]
> {
  return q.query(
    `SELECT id, run_date AS date, actor, status, started_at, finished_at, messages, tasks, skipped, cancelled
       FROM engine_runs ORDER BY id DESC LIMIT $1`,
    [limit],
  );
}
