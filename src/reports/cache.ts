/**
 * Report documents cached per revision of the data they read (issue 7's API p99 and issue 8's
 * load goal: on a 1M-invoice ledger an aging or metrics report reads the whole ledger, 0.5–3 s,
 * and the dashboard asks for both on every visit).
 *
 * The key is the report's parameters plus a stamp read before the report is computed:
 *   - the sequences report_ledger_revision / report_activity_revision, moved by a
 *     statement-level trigger on every write to a table the reports read
 *     (migrations/202611261400_report_revisions.sql), and
 *   - the transaction ids of this database's transactions in progress (pg_stat_activity).
 * A writer moves the sequence after it got its transaction id and before it commits, so a
 * commit always changes the stamp: either the writer was in progress when the stamp was read
 * (its id is in it and is gone once it commits) or it moved the sequence afterwards. A
 * document is therefore served only while nothing it reads was committed since it was
 * computed — never a stale figure, only a cheaper one. (PostgreSQL's pg_current_snapshot()
 * would do without triggers, but its ids are cluster-wide: any other database's writes would
 * empty the cache.)
 *
 * Concurrent requests for the same key share one computation; a failed computation is not
 * kept. Entries of older stamps are dropped when a newer stamp is seen, and at most `entries`
 * are kept.
 */
import type { Queryable } from '../platform/db/index.ts';

/** What a report reads: the ledger (invoices, applications, organisation) and, for the campaign report, the engine's activity too. */
export type ReportSource = 'ledger' | 'activity';

export interface SnapshotCache {
  /** The value of `compute` for `key`, computed at most once per revision of `sources`. */
  get<T>(key: string, sources: readonly ReportSource[], compute: () => Promise<T>): Promise<T>;
  /** How many times `get` computed (for tests and benchmarks). */
  readonly computations: number;
}

const STAMP_SQL = `SELECT (SELECT last_value FROM report_ledger_revision)::text AS ledger,
       (SELECT last_value FROM report_activity_revision)::text AS activity,
       coalesce((SELECT string_agg(backend_xid::text, ',' ORDER BY backend_xid::text)
                   FROM pg_stat_activity
                  WHERE datname = current_database() AND backend_xid IS NOT NULL), '') AS writers`;

export function snapshotCache(db: Queryable, options: { entries?: number } = {}): SnapshotCache {
  const max = options.entries ?? 32;
  const entries = new Map<string, Promise<unknown>>();
  let computations = 0;
  return {
    get computations() {
      return computations;
    },
    async get<T>(key: string, sources: readonly ReportSource[], compute: () => Promise<T>): Promise<T> {
      const [row] = await db.query<{ ledger: string; activity: string; writers: string }>(STAMP_SQL);
      if (!row) return compute();
      const stamp = `${sources.map((s) => `${s}=${row[s]}`).join(' ')} writers=${row.writers}`;
      const id = `${stamp}\n${key}`;
      const found = entries.get(id);
      if (found) return found as Promise<T>;
      // a revision never comes back: entries of older revisions of the same sources can go
      for (const old of entries.keys()) {
        if (old.endsWith(`\n${key}`)) entries.delete(old);
      }
      computations++;
      const pending = compute();
      entries.set(id, pending);
      pending.catch(() => {
        if (entries.get(id) === pending) entries.delete(id);
      });
      while (entries.size > max) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      return pending;
    },
  };
}
