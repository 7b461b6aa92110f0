-- The engine's first run over an imported ledger writes one engine_firings row per open
-- invoice (R3 catch-up skips, compacted per invoice and campaign), so every per-row cost
-- of that table is paid a million times at 1,000,000 invoices. Two of them buy nothing:
--
-- 1. engine_firings_invoice_slot duplicated the slot_key UNIQUE constraint: an invoice
--    slot's key is 'inv:<invoice_id>:<campaign_key>:<step_key>:<occurrence>', written from
--    the same decision as those columns, so slot_key UNIQUE already makes each (invoice,
--    campaign, step, occurrence) fire or be skipped at most once (R2).
-- 2. The invoice_id foreign key ran a lookup trigger per inserted row. Invoices are never
--    deleted (the ledger keeps its history; a void invoice stays a row), so its ON DELETE
--    CASCADE never fired; the engine writes only invoice ids it has just read in the same
--    transaction. customer_id keeps its foreign key: customers without ledger records can
--    be deleted, and their welcome-letter slots go with them.
--
-- The loader reads an invoice's highest recorded slot by customer range
-- (engine_firings_customer), not through the dropped index.
DROP INDEX engine_firings_invoice_slot;
ALTER TABLE engine_firings DROP CONSTRAINT engine_firings_invoice_id_fkey;
