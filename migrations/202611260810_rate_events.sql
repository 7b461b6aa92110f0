-- One table for every database-kept rate limit and throttle (portal link requests, webhook
-- calls, failed sign-ins): src/platform/rate-limit.ts. Sign-in failures move into it.
ALTER TABLE portal_rate_events RENAME TO rate_events;
ALTER INDEX portal_rate_events_bucket RENAME TO rate_events_bucket;
DROP TABLE sign_in_failures;
