-- The disputes board and the customer list's priority sort (issue 7), after 202611261200.
-- The disputes board: open disputes, oldest first.
CREATE INDEX disputes_open_age ON disputes (opened_at, id) WHERE status = 'open';

-- Sort by priority (high first), keyset on (rank, id): the expression must stay the one
-- listCustomers orders by (src/ledger/read.ts, sortKey 'priority').
CREATE INDEX customers_priority_rank
  ON customers ((CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END), id);
