-- The cumulative schema: what database/migrations/*.sql produce together, for readers.
-- The migrations are the source of truth; schema.test.ts checks this file still matches them.
-- (The runner also creates schema_migrations(version, name, checksum, applied_at).)

-- Users who log in with email + password. Passwords are scrypt hashes in PHC format ($scrypt$...);
-- rows from before hold bcrypt hashes until their next successful login. Never plain text.
CREATE TABLE users (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL,
  name          text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
  tier          text NOT NULL DEFAULT 'free' CHECK (tier IN ('anonymous', 'free', 'pro', 'enterprise')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- Login sessions. Only the SHA-256 of the bearer token is stored.
CREATE TABLE sessions (
  token_hash  text PRIMARY KEY,
  user_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- The reference API's resources. `version` increases on every update.
CREATE TABLE resources (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type        text NOT NULL CHECK (length(type) BETWEEN 1 AND 50),
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  owner_id    integer REFERENCES users (id) ON DELETE SET NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- API consumers: who a key belongs to and the rate-limit tier its requests get (shared by its keys).
CREATE TABLE consumers (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  tier        text NOT NULL DEFAULT 'free' CHECK (tier IN ('anonymous', 'free', 'pro', 'enterprise')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX consumers_name_idx ON consumers (name);

-- API keys fg_<prefix>_<secret>: only an HMAC-SHA-256 of the whole key is stored. Revoked, never deleted.
CREATE TABLE api_keys (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  consumer_id   integer NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
  prefix        text NOT NULL CHECK (prefix ~ '^[a-z0-9]{4,16}$'),
  key_hash      text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE UNIQUE INDEX api_keys_prefix_idx ON api_keys (prefix);
CREATE UNIQUE INDEX api_keys_key_hash_idx ON api_keys (key_hash);
CREATE INDEX api_keys_consumer_id_idx ON api_keys (consumer_id);

-- Idempotency-Key records for POST and PATCH: the key per scope (who sent it), a fingerprint of the
-- request and the 2xx response, written in the same transaction as the write. Expired rows are purged.
CREATE TABLE idempotency_keys (
  scope        text NOT NULL CHECK (length(scope) BETWEEN 1 AND 100),
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint  text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  status       smallint NOT NULL CHECK (status BETWEEN 200 AND 299),
  headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
