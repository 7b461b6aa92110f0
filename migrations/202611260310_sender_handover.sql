-- When the sender handed a message to the SMTP server (set just before, committed before the
-- SMTP transaction starts). A message a crash leaves in `sending` with no hand-over was never
-- offered to the server and goes back to `planned`; only one that was handed over can have
-- been delivered, and becomes `unknown` unless the outbound log shows it was accepted.
ALTER TABLE outbox_messages ADD COLUMN handed_over_at timestamptz;
