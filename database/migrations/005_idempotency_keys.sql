-- Idempotency-Key records for POST and PATCH (IETF httpapi draft): per scope (who sent the request),
-- the key, a SHA-256 fingerprint of the request and the 2xx response it got. A record is written in
-- the same transaction as the write it answers, so it exists if and only if that write committed.
-- Rows past expires_at are ignored, replaced by a new use of the key, and purged.
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
