-- The AR report indexes, keyed the way the report queries group and join
-- (src/reports/queries.ts). Measured on the import benchmark's 1M-invoice ledger, with the
-- alternatives that were not kept: docs/decisions/0005-report-queries.md.

-- Open invoices in (due date, currency) order, replacing the issue-date order of
-- 202611251100: the open balances per bucket are summed while the index is read (a streaming
-- group aggregate, no hash table, no sort): 80 ms of CPU instead of 170–200 ms for 900,000
-- open invoices. Date first: sorting on the currency first made the index twice as costly to
-- build (collation-aware text comparisons).
DROP INDEX invoices_report_open;
CREATE INDEX invoices_report_open_due ON invoices (due_date, currency) INCLUDE (issue_date, open_balance)
  WHERE open_balance > 0 AND status <> 'void';

-- An application dated after D is added back to its invoice's bucket: the applications are
-- merged in invoice order with this narrow index, which holds each invoice's currency, due
-- date, issue date and balance, instead of being hash-joined against a scan of the table.
CREATE INDEX invoices_report_by_id ON invoices (id) INCLUDE (currency, due_date, issue_date, open_balance)
  WHERE open_balance >= 0 AND status <> 'void';

-- The rare over-applied invoices (open_balance < 0), which the AR and closing-date queries
-- handle one by one: found without filtering every settled invoice.
CREATE INDEX invoices_report_over_applied ON invoices (settled_on)
  INCLUDE (id, currency, amount, open_balance, issue_date, due_date)
  WHERE open_balance < 0 AND status <> 'void';
