-- The collector workspace's customer list (issue 7): saved views, password reset tokens, and
-- the index the list's filters and amount sorts read.

-- A view is a name plus the list's filter and sort state, owned by one user; a shared view is
-- listed for the whole team (only its owner changes or deletes it).
CREATE TABLE saved_views (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  shared boolean NOT NULL DEFAULT false,
  state jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_views_owner_name ON saved_views (owner_user_id, lower(name));
CREATE INDEX saved_views_shared ON saved_views (id) WHERE shared;

-- Password reset by e-mailed link: only the SHA-256 of the token's secret is stored; a token
-- is used once and expires after an hour (src/users/password-reset.ts).
CREATE TABLE password_reset_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id) WHERE used_at IS NULL;

-- Per customer, its open invoices with what the list computes from them (open balance and
-- overdue amount per currency, oldest due date): an index-only scan instead of heap reads of
-- every invoice when the list sorts or filters by an amount or an overdue bucket.
CREATE INDEX invoices_customer_open ON invoices (customer_id, due_date) INCLUDE (currency, open_balance)
  WHERE status = 'open' AND open_balance > 0;

-- The collector filter.
CREATE INDEX customers_collector ON customers (collector_user_id) WHERE collector_user_id IS NOT NULL;
-- The "has bounced contacts" filter.
CREATE INDEX contacts_undeliverable ON contacts (customer_id) WHERE email_status <> 'ok';

