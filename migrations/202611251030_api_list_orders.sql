-- Indexes for the REST API's keyset pagination: every list is ordered by (sort key, id) and
-- continues with WHERE (sort key, id) > (cursor), so each order needs a matching index.
CREATE INDEX customers_name_id ON customers (lower(name), id);
CREATE INDEX invoices_due_id ON invoices (due_date, id);
CREATE INDEX invoices_customer_due_id ON invoices (customer_id, due_date, id);
CREATE INDEX payments_date_id ON payments (date, id);
CREATE INDEX payments_customer_date_id ON payments (customer_id, date, id);
CREATE INDEX credit_notes_date_id ON credit_notes (date, id);
CREATE INDEX credit_notes_customer_date_id ON credit_notes (customer_id, date, id);
