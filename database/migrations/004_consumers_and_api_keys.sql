-- API consumers: who a key belongs to and the rate-limit tier its requests get (shared by its keys).
CREATE TABLE consumers (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  tier        text NOT NULL DEFAULT 'free' CHECK (tier IN ('anonymous', 'free', 'pro', 'enterprise')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX consumers_name_idx ON consumers (name);
-- API keys look like fg_<prefix>_<secret>. Only an HMAC-SHA-256 of the whole key is stored (a database
-- leak yields no usable key); the prefix names a key in lists. Keys are revoked, never deleted.
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
