-- The steady day (docs/decisions/0006-engine-steady-day.md): after a complete run, the next
-- day plans only the customers something can have moved for — a slot falling due since,
-- changed data, an event — instead of the whole ledger.

-- Per customer, what its last planning left: pending = something stayed undecided (a wait
-- for R5/R8, an invoice that may not fire, a paused customer, no dunning campaign), so the
-- next run plans it again whatever else happened. planned_on keeps a late run of an earlier
-- day (the scheduler in a time zone behind) from overwriting a later day's state. No foreign
-- key: customer ids are never reused, and a deleted customer's row is harmless.
CREATE TABLE engine_customer_state (
  customer_id bigint PRIMARY KEY,
  planned_on date NOT NULL,
  pending boolean NOT NULL
);
CREATE INDEX engine_customer_state_pending ON engine_customer_state (customer_id) WHERE pending;

-- Runs that keep engine_customer_state; a steady day starts only from such a run.
ALTER TABLE engine_runs ADD COLUMN tracks_pending boolean NOT NULL DEFAULT false;

-- A steady day reads the highest recorded slot of a few invoices, not of whole customers.
CREATE INDEX engine_firings_invoice ON engine_firings (invoice_id) WHERE slot_offset IS NOT NULL;
-- Customer-level slots (welcome, statements, broken promises) without reading the invoice rows.
CREATE INDEX engine_firings_customer_level ON engine_firings (customer_id) WHERE slot_offset IS NULL;

-- updated_at must move whenever a row the planner reads changes, whoever writes it: a
-- balance refreshed by the applications trigger, or any writer that does not set it itself.
-- Writers that set updated_at (imports, disputes, pauses) never call the function: the WHEN
-- clause is evaluated without it.
CREATE FUNCTION engine_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices FOR EACH ROW
  WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION engine_touch_updated_at();
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW
  WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION engine_touch_updated_at();
CREATE TRIGGER organisation_touch BEFORE UPDATE ON organisation FOR EACH ROW
  WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION engine_touch_updated_at();
