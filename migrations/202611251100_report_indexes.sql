-- Indexes for the AR reports (src/reports/queries.ts), so aging and metrics stay fast on a
-- ledger of a million invoices: each report reads a small part of the invoices through one
-- of these and never scans the table. They carry the columns the reports need, so PostgreSQL
-- answers from the index alone.

-- AR as of D starts from the invoices open now; applications dated after D are added back
-- to invoices open now or settled after D (see queries.ts). Also the invoices settled in a
-- period, for average days to pay / late.
CREATE INDEX invoices_report_open ON invoices (issue_date) INCLUDE (id, currency, due_date, open_balance)
  WHERE open_balance > 0 AND status <> 'void';
CREATE INDEX invoices_report_settled ON invoices (settled_on)
  INCLUDE (id, currency, amount, open_balance, issue_date, due_date)
  WHERE settled_on IS NOT NULL AND status <> 'void';

-- Credit sales by issue date (the period's sales and the countback months).
CREATE INDEX invoices_report_sales ON invoices (issue_date) INCLUDE (currency, amount)
  WHERE status <> 'void';
