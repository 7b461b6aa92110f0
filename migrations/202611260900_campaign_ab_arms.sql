-- A/B steps (docs/campaigns.md): the arm ('a' = the step as written, 'b' = its variant) that
-- a customer was in when a slot of an A/B step fired, and the arm of the step whose template a
-- message uses. NULL for steps without a variant. The campaigns report groups A/B steps by
-- it; the arm is recorded, never recomputed, so editing a split later does not rewrite history.
-- Nullable without a default: adding the columns rewrites no rows.
ALTER TABLE engine_firings ADD COLUMN ab_arm text CHECK (ab_arm IN ('a', 'b'));
ALTER TABLE outbox_messages ADD COLUMN ab_arm text CHECK (ab_arm IN ('a', 'b'));
-- The A/B report reaches firings from the messages sent in its period; only A/B firings are
-- indexed, so the index stays as small as the tests are and costs other firings nothing.
CREATE INDEX engine_firings_ab_message ON engine_firings (message_id) WHERE ab_arm IS NOT NULL;
