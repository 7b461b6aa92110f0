-- The customer portal (PRODUCT §8): signing keys of portal links, per-customer revocation,
-- rate-limit counters, customer uploads, and the payment provider's webhook events.

-- Keys that sign portal links. The newest active key signs; every key still here verifies
-- (so rotating does not break links in date). With DUNWELL_SECRET_KEY set, a key's secret is
-- derived from it and the key id (secret stays null here); without one (the embedded demo),
-- a random secret is generated and kept in this row so links survive restarts.
CREATE TABLE portal_signing_keys (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{1,16}$'),
  secret bytea CHECK (secret IS NULL OR length(secret) >= 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- a retired key no longer signs new links but still verifies the ones it signed
  retired_at timestamptz
);

-- Links issued before revoked_before are refused for this customer.
CREATE TABLE portal_revocations (
  customer_id bigint PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
  revoked_before timestamptz NOT NULL,
  revoked_by text NOT NULL
);

-- One row per counted attempt (fresh-link requests per IP and per address, webhook calls per
-- IP). Limits count the rows of a bucket inside a window; old rows are pruned as we go.
CREATE TABLE portal_rate_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bucket text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX portal_rate_events_bucket ON portal_rate_events (bucket, at);

-- Files a customer uploaded through the portal (remittance advice): PDF, PNG or JPEG only.
CREATE TABLE portal_uploads (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
  file_name text NOT NULL,
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
  size integer NOT NULL CHECK (size > 0 AND size <= 10485760),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bytea NOT NULL,
  task_id bigint REFERENCES tasks (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_uploads_customer ON portal_uploads (customer_id, created_at);

-- Webhook events from payment providers, kept by event id: a delivered-twice event is
-- recognised and changes nothing the second time.
CREATE TABLE payment_provider_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  customer_id bigint REFERENCES customers (id) ON DELETE SET NULL,
  payment_id bigint REFERENCES payments (id) ON DELETE SET NULL,
  outcome text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);
