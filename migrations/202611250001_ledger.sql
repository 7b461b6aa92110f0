-- The AR ledger: organisation, customers, contacts, invoices, payments, credit notes and
-- their applications to invoices, notes, the audit log (the customer's timeline), API keys.
-- Money is integer minor units (bigint) in the row's ISO 4217 currency; dates are `date`.

CREATE TABLE organisation (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  name text NOT NULL DEFAULT 'My Company',
  address text NOT NULL DEFAULT '',
  logo_url text,
  default_currency char(3) NOT NULL DEFAULT 'EUR',
  time_zone text NOT NULL DEFAULT 'UTC',
  language text NOT NULL DEFAULT 'en',
  sending_domain text,
  portal_branding jsonb NOT NULL DEFAULT '{}',
  settings jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organisation (id) VALUES (1);

CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE,
  name text NOT NULL,
  currency char(3),
  language text,
  time_zone text,
  payment_terms_days integer NOT NULL DEFAULT 30 CHECK (payment_terms_days >= 0),
  -- in minor units of the customer's currency (or the organisation's)
  credit_limit bigint,
  tags text[] NOT NULL DEFAULT '{}',
  account_manager_email text,
  priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low')),
  -- Dunning is paused while dunning_paused is true, or while the day is before paused_until.
  dunning_paused boolean NOT NULL DEFAULT false,
  paused_until date,
  custom_fields jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_tags ON customers USING gin (tags);
CREATE INDEX customers_name ON customers (lower(name));

CREATE TABLE contacts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  email text,
  phone text,
  role text NOT NULL DEFAULT 'billing' CHECK (role IN ('billing', 'ap', 'key', 'other')),
  receives_dunning boolean NOT NULL DEFAULT true,
  preferred_channel text NOT NULL DEFAULT 'email' CHECK (preferred_channel IN ('email', 'phone')),
  -- set by bounce handling (mail in): a hard-bounced or complained address is not mailed
  email_status text NOT NULL DEFAULT 'ok' CHECK (email_status IN ('ok', 'bounced', 'complained')),
  custom_fields jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE INDEX contacts_email ON contacts (lower(email));

CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
  number text NOT NULL UNIQUE,
  issue_date date NOT NULL,
  due_date date NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  -- amount minus every application (payments, credits, adjustments), whatever its date;
  -- maintained by the triggers below so it can never drift.
  open_balance bigint NOT NULL DEFAULT 0,
  -- the date of the application that brought open_balance to 0; null while open
  settled_on date,
  po_number text,
  -- as the ERP states it; 'void' removes the invoice from AR, 'paid' forces a zero balance
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void')),
  disputed boolean NOT NULL DEFAULT false,
  on_hold boolean NOT NULL DEFAULT false,
  pdf_path text,
  custom_fields jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (due_date >= issue_date - 366)
);
CREATE INDEX invoices_customer ON invoices (customer_id, due_date);
CREATE INDEX invoices_issue_date ON invoices (currency, issue_date);
-- "what is due in this window" (the engine) reads only open invoices.
CREATE INDEX invoices_open_due ON invoices (due_date) WHERE open_balance > 0 AND status = 'open';

CREATE TABLE payments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
  date date NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  reference text NOT NULL DEFAULT '',
  source text NOT NULL DEFAULT 'import' CHECK (source IN ('import', 'api', 'bank', 'portal', 'provider')),
  custom_fields jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_customer ON payments (customer_id, date);
CREATE INDEX payments_date ON payments (currency, date);

CREATE TABLE credit_notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
  number text NOT NULL,
  date date NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  custom_fields jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_notes_customer ON credit_notes (customer_id, date);

-- What settles an invoice. An 'adjustment' stands for money the ERP says was received but
-- Dunwell has no payment row for (an invoice imported with balance < amount, or status paid);
-- it is dated the day it was recorded and is consumed first by a payment applied later.
CREATE TABLE applications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('payment', 'credit_note', 'adjustment')),
  payment_id bigint REFERENCES payments (id) ON DELETE CASCADE,
  credit_note_id bigint REFERENCES credit_notes (id) ON DELETE CASCADE,
  amount bigint NOT NULL CHECK (amount > 0),
  date date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (
    (kind = 'payment' AND payment_id IS NOT NULL AND credit_note_id IS NULL) OR
    (kind = 'credit_note' AND credit_note_id IS NOT NULL AND payment_id IS NULL) OR
    (kind = 'adjustment' AND payment_id IS NULL AND credit_note_id IS NULL)
  )
);
CREATE INDEX applications_invoice ON applications (invoice_id, date);
CREATE INDEX applications_payment ON applications (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX applications_credit_note ON applications (credit_note_id) WHERE credit_note_id IS NOT NULL;
CREATE UNIQUE INDEX applications_one_adjustment ON applications (invoice_id) WHERE kind = 'adjustment';

-- Keeps invoices.open_balance / settled_on equal to amount minus applications.
CREATE FUNCTION refresh_invoice_balances(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  UPDATE invoices i
     SET open_balance = i.amount - coalesce(s.applied, 0),
         settled_on = CASE WHEN i.amount - coalesce(s.applied, 0) <= 0 THEN s.last_date END
    FROM (SELECT x.id, sum(a.amount) AS applied, max(a.date) AS last_date
            FROM unnest(ids) AS x(id)
            LEFT JOIN applications a ON a.invoice_id = x.id
           GROUP BY x.id) s
   WHERE i.id = s.id;
$$;

CREATE FUNCTION applications_changed_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_invoice_balances(ARRAY(SELECT DISTINCT invoice_id FROM new_rows));
  RETURN NULL;
END $$;
CREATE FUNCTION applications_changed_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_invoice_balances(ARRAY(SELECT DISTINCT invoice_id FROM old_rows));
  RETURN NULL;
END $$;
CREATE FUNCTION applications_changed_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_invoice_balances(ARRAY(
    SELECT invoice_id FROM new_rows UNION SELECT invoice_id FROM old_rows));
  RETURN NULL;
END $$;
CREATE TRIGGER applications_ins AFTER INSERT ON applications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_changed_ins();
CREATE TRIGGER applications_del AFTER DELETE ON applications
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_changed_del();
CREATE TRIGGER applications_upd AFTER UPDATE ON applications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_changed_upd();

CREATE FUNCTION invoices_balance_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.open_balance := NEW.amount;
    NEW.settled_on := NULL;
  ELSIF NEW.amount IS DISTINCT FROM OLD.amount THEN
    NEW.open_balance := NEW.amount - coalesce((SELECT sum(amount) FROM applications WHERE invoice_id = NEW.id), 0);
    NEW.settled_on := CASE WHEN NEW.open_balance <= 0
      THEN (SELECT max(date) FROM applications WHERE invoice_id = NEW.id) END;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_balance BEFORE INSERT OR UPDATE OF amount ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_balance_on_write();

CREATE TABLE notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  invoice_id bigint REFERENCES invoices (id) ON DELETE CASCADE,
  author text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_customer ON notes (customer_id, created_at);

-- Every change made by a person, an import, the API or the engine: the customer's timeline.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id text,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, at);

CREATE TABLE api_keys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  -- first characters of the key, shown in lists so a person can tell keys apart
  prefix text NOT NULL,
  -- SHA-256 of the whole key; the key itself is shown once and never stored
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  role text NOT NULL CHECK (role IN ('admin', 'collector', 'viewer')),
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
ALTER TABLE customers ADD COLUMN collector_user_id bigint REFERENCES users (id) ON DELETE SET NULL;
