-- Per customer and currency, what is open right now (issue 7: the customer list sorts by open
-- balance, overdue amount and oldest overdue days, and filters by aging bucket, on 100,000
-- customers / 1M invoices). Without it every such page aggregates every open invoice (1–2 s on
-- the benchmark ledger). Kept by statement-level triggers on invoices, by deltas, so concurrent
-- writers commute (each upsert locks the one totals row it changes).
--
-- open_balance / open_invoices: the sum and count of the positive open balances of the
-- customer's invoices with status 'open' in that currency. oldest_due: their earliest due date.
-- The earliest due date cannot be kept by deltas when an invoice leaves; it is then recomputed
-- for that customer and currency from invoices_customer_open (a few index entries). Two
-- transactions racing on the same customer may leave oldest_due later than it should be until
-- that customer's invoices next change; amounts are always exact.
CREATE TABLE customer_open_totals (
  customer_id bigint NOT NULL,
  currency char(3) NOT NULL,
  open_balance bigint NOT NULL,
  open_invoices integer NOT NULL,
  oldest_due date,
  PRIMARY KEY (customer_id, currency)
);

CREATE FUNCTION customer_open_totals_refresh_oldest(customer_ids bigint[]) RETURNS void LANGUAGE sql AS $$
  UPDATE customer_open_totals t
     SET oldest_due = (SELECT min(i.due_date) FROM invoices i
                        WHERE i.customer_id = t.customer_id AND i.currency = t.currency
                          AND i.status = 'open' AND i.open_balance > 0)
   WHERE t.customer_id = ANY (customer_ids);
$$;

-- The delta of one statement: + each new open row, − each old open row, per (customer, currency).
CREATE FUNCTION customer_open_totals_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_open_totals AS t (customer_id, currency, open_balance, open_invoices, oldest_due)
  SELECT customer_id, currency, sum(open_balance), count(*), min(due_date)
    FROM new_rows WHERE status = 'open' AND open_balance > 0
   GROUP BY customer_id, currency
   ORDER BY customer_id, currency
  ON CONFLICT (customer_id, currency) DO UPDATE
     SET open_balance = t.open_balance + excluded.open_balance,
         open_invoices = t.open_invoices + excluded.open_invoices,
         oldest_due = least(t.oldest_due, excluded.oldest_due);
  RETURN NULL;
END $$;

CREATE FUNCTION customer_open_totals_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE customer_open_totals t
     SET open_balance = t.open_balance - d.balance, open_invoices = t.open_invoices - d.n
    FROM (SELECT customer_id, currency, sum(open_balance) AS balance, count(*) AS n
            FROM old_rows WHERE status = 'open' AND open_balance > 0
           GROUP BY customer_id, currency) d
   WHERE t.customer_id = d.customer_id AND t.currency = d.currency;
  PERFORM customer_open_totals_refresh_oldest(ARRAY(
    SELECT DISTINCT customer_id FROM old_rows WHERE status = 'open' AND open_balance > 0));
  RETURN NULL;
END $$;

CREATE FUNCTION customer_open_totals_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- rows whose contribution did not change (most updates: a flag, updated_at) are left out
  INSERT INTO customer_open_totals AS t (customer_id, currency, open_balance, open_invoices, oldest_due)
  SELECT customer_id, currency, sum(balance), sum(n), min(due) FILTER (WHERE n > 0)
    FROM (SELECT n.customer_id, n.currency, n.open_balance AS balance, 1 AS n, n.due_date AS due
            FROM new_rows n WHERE n.status = 'open' AND n.open_balance > 0
          UNION ALL
          SELECT o.customer_id, o.currency, -o.open_balance, -1, o.due_date
            FROM old_rows o WHERE o.status = 'open' AND o.open_balance > 0) x
   GROUP BY customer_id, currency
  HAVING sum(balance) <> 0 OR sum(n) <> 0 OR min(due) FILTER (WHERE n > 0) IS DISTINCT FROM min(due) FILTER (WHERE n < 0)
   ORDER BY customer_id, currency
  ON CONFLICT (customer_id, currency) DO UPDATE
     SET open_balance = t.open_balance + excluded.open_balance,
         open_invoices = t.open_invoices + excluded.open_invoices,
         oldest_due = least(t.oldest_due, excluded.oldest_due);
  -- an open row that left (paid, voided, moved, due date pushed back) may have been the oldest
  PERFORM customer_open_totals_refresh_oldest(ARRAY(
    SELECT DISTINCT o.customer_id FROM old_rows o
      LEFT JOIN new_rows n ON n.id = o.id
     WHERE o.status = 'open' AND o.open_balance > 0
       AND (n.id IS NULL OR n.status <> 'open' OR n.open_balance <= 0 OR n.customer_id <> o.customer_id
            OR n.currency <> o.currency OR n.due_date > o.due_date)));
  RETURN NULL;
END $$;

CREATE FUNCTION customer_open_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE customer_open_totals;
  RETURN NULL;
END $$;

CREATE TRIGGER invoices_open_totals_ins AFTER INSERT ON invoices
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_open_totals_ins();
CREATE TRIGGER invoices_open_totals_upd AFTER UPDATE ON invoices
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_open_totals_upd();
CREATE TRIGGER invoices_open_totals_del AFTER DELETE ON invoices
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_open_totals_del();
CREATE TRIGGER invoices_open_totals_truncate AFTER TRUNCATE ON invoices
  FOR EACH STATEMENT EXECUTE FUNCTION customer_open_totals_truncate();

INSERT INTO customer_open_totals (customer_id, currency, open_balance, open_invoices, oldest_due)
SELECT customer_id, currency, sum(open_balance), count(*), min(due_date)
  FROM invoices WHERE status = 'open' AND open_balance > 0
 GROUP BY customer_id, currency;
