-- Bulk import speed (src/ledger/import): the import writes each invoice's open_balance and
-- settled_on in the same INSERT/UPDATE that writes the invoice, and writes its own balance
-- adjustments, so neither needs the per-row trigger nor the applications triggers' second
-- write of every adjusted invoice. Every other writer keeps the triggers exactly as before.
--
-- The switch is the transaction-local setting dunwell.balance_refresh: only the import sets
-- it to 'off' (set_config(…, true), i.e. SET LOCAL), and only around the statements that
-- write invoices and adjustments whose balances it has computed itself. It ends with the
-- transaction, so no other transaction ever runs with it.

-- An INSERT that does not name open_balance gets NULL here, and the row trigger below fills
-- in amount (NOT NULL is checked after BEFORE triggers). With the default gone, the trigger
-- can be skipped by its WHEN clause, without a PL/pgSQL call per row, when the import supplies
-- the balance itself.
ALTER TABLE invoices ALTER COLUMN open_balance DROP DEFAULT;

CREATE OR REPLACE FUNCTION invoices_balance_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
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

DROP TRIGGER invoices_balance ON invoices;
-- A new invoice's balance is its amount, unless the import (balance_refresh 'off') supplies
-- it: an open_balance given by any other INSERT is still overwritten, as before.
CREATE TRIGGER invoices_balance_insert BEFORE INSERT ON invoices
  FOR EACH ROW
  WHEN (NEW.open_balance IS NULL OR current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off')
  EXECUTE FUNCTION invoices_balance_on_write();
-- A changed amount recomputes the balance from the applications (the function is only
-- called when the amount really changed).
CREATE TRIGGER invoices_balance_update BEFORE UPDATE OF amount ON invoices
  FOR EACH ROW
  WHEN (OLD.amount IS DISTINCT FROM NEW.amount
        AND current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off')
  EXECUTE FUNCTION invoices_balance_on_write();

-- The applications triggers refresh the balances of the invoices a statement touched, unless
-- the import has written those balances itself.
CREATE OR REPLACE FUNCTION applications_changed_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off' THEN
    PERFORM refresh_invoice_balances(ARRAY(SELECT DISTINCT invoice_id FROM new_rows));
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION applications_changed_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off' THEN
    PERFORM refresh_invoice_balances(ARRAY(SELECT DISTINCT invoice_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION applications_changed_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off' THEN
    PERFORM refresh_invoice_balances(ARRAY(
      SELECT invoice_id FROM new_rows UNION SELECT invoice_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

-- invoices_customer (customer_id, due_date) is a prefix of invoices_customer_due_id
-- (customer_id, due_date, id), which answers every query it did (the per-customer lists, the
-- foreign-key checks when a customer is deleted): one index fewer to write per invoice.
DROP INDEX invoices_customer;
