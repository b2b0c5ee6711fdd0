-- The reference API's resources. `version` increases on every update (cache coherence, optimistic checks).
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
