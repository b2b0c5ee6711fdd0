-- Users who log in with email + password. Passwords are bcrypt hashes, never plain text.
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
