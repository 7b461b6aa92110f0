-- Sign-in for the workspace (issue 7): sessions in an HTTP-only cookie (the CSRF token is
-- derived from the session secret), failed sign-ins counted for throttling. Session secrets are stored only
-- as SHA-256 hashes, like API keys: a database dump does not let anyone sign in.
CREATE TABLE user_sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- absolute end; idle sessions also end (see src/users/sessions.ts)
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

-- One row per failed sign-in, by address (lower-cased) and client; old rows are pruned.
CREATE TABLE sign_in_failures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  client text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_client ON sign_in_failures (client, at);

ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
