-- A steady day looks for rows changed since its basis run began (decision 0006). A row's
-- updated_at is its writer's transaction start, so a transaction that began before the
-- basis and committed after the basis read its customers would look older than the basis
-- and be missed. Each run therefore records the start of the oldest transaction open in its
-- database when it began (or its own start), and steady days compare with that instead.
ALTER TABLE engine_runs ADD COLUMN changes_since timestamptz;
