-- Report documents are cached per "revision" of the data they read (src/reports/cache.ts):
-- every statement that writes one of these tables moves a sequence, so a cached aging,
-- metrics or campaign report is served only while nothing it reads has changed. Statement-level
-- triggers: one nextval per statement (an import or an engine run costs one, not one per row);
-- sequences are not transactional, so concurrent writers never wait on each other here.

-- What aging and metrics read: invoices, their applications, the organisation (time zone).
CREATE SEQUENCE report_ledger_revision;
-- What the campaign report reads besides: the engine's firings, the outbox, inbound mail.
CREATE SEQUENCE report_activity_revision;

CREATE FUNCTION report_ledger_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('report_ledger_revision');
  RETURN NULL;
END $$;

CREATE FUNCTION report_activity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('report_activity_revision');
  RETURN NULL;
END $$;

CREATE TRIGGER invoices_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON invoices
  FOR EACH STATEMENT EXECUTE FUNCTION report_ledger_changed();
CREATE TRIGGER applications_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON applications
  FOR EACH STATEMENT EXECUTE FUNCTION report_ledger_changed();
CREATE TRIGGER organisation_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisation
  FOR EACH STATEMENT EXECUTE FUNCTION report_ledger_changed();

CREATE TRIGGER engine_firings_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON engine_firings
  FOR EACH STATEMENT EXECUTE FUNCTION report_activity_changed();
CREATE TRIGGER outbox_messages_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON outbox_messages
  FOR EACH STATEMENT EXECUTE FUNCTION report_activity_changed();
CREATE TRIGGER outbox_message_invoices_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON outbox_message_invoices
  FOR EACH STATEMENT EXECUTE FUNCTION report_activity_changed();
CREATE TRIGGER inbound_messages_report_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON inbound_messages
  FOR EACH STATEMENT EXECUTE FUNCTION report_activity_changed();
