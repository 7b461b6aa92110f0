-- Bank statements (PRODUCT §2 `dunwell reconcile`): every imported file, its statements and
-- entries with the matching decision, and the payer accounts Dunwell has learnt.
--
-- A file is imported once (sha256 of its bytes); an entry once across files (its identity:
-- account, bank reference, date, amount, currency and its position among identical lines),
-- so a camt.054 notification followed by the day's camt.053 does not pay twice.

CREATE TABLE bank_files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  format text NOT NULL CHECK (format IN ('camt.052', 'camt.053', 'camt.054', 'mt940', 'bai2', 'csv')),
  file_name text,
  imported_by text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bank_statements (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id bigint NOT NULL REFERENCES bank_files (id) ON DELETE CASCADE,
  position integer NOT NULL,
  statement_ref text,
  account text NOT NULL,
  currency char(3) NOT NULL,
  -- minor units, signed; null when the file states none
  opening_balance bigint,
  closing_balance bigint,
  UNIQUE (file_id, position)
);

CREATE TABLE bank_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  statement_id bigint NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
  position integer NOT NULL,
  identity text NOT NULL UNIQUE,
  booking_date date,
  value_date date,
  -- minor units, credits positive
  amount bigint NOT NULL,
  currency char(3) NOT NULL,
  reversal boolean NOT NULL DEFAULT false,
  bank_reference text,
  entry_reference text,
  end_to_end_id text,
  creditor_reference text,
  remittance text NOT NULL DEFAULT '',
  counterparty_name text,
  counterparty_iban text,
  type_code text,
  status text NOT NULL CHECK (status IN ('matched', 'unmatched', 'ignored')),
  -- how it was matched: invoice_number | amount | counterparty | manual
  rule text,
  reason text,
  customer_id bigint REFERENCES customers (id) ON DELETE RESTRICT,
  payment_id bigint REFERENCES payments (id) ON DELETE SET NULL,
  matched_by text,
  matched_at timestamptz,
  UNIQUE (statement_id, position)
);
-- the unmatched queue a collector works through
CREATE INDEX bank_entries_unmatched ON bank_entries (id) WHERE status = 'unmatched';
CREATE INDEX bank_entries_payment ON bank_entries (payment_id) WHERE payment_id IS NOT NULL;

-- Payer accounts: a customer pays from these. Learnt when a payment from an IBAN is matched by
-- invoice number (or assigned by hand), so the next one from that account matches by IBAN.
CREATE TABLE bank_accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  iban text NOT NULL UNIQUE,
  learned_from text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bank_accounts_customer ON bank_accounts (customer_id);
