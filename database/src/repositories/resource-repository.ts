import { isStorableId, type Queryable } from './queryable.js';
import { decodeResourceCursor, encodeResourceCursor } from './resource-cursor.js';

export type JsonObject = { [key: string]: unknown };

export interface Resource {
  id: number;
  name: string;
  type: string;
  data: JsonObject;
  ownerId: number | null;
  /** Starts at 1, +1 on every update. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewResource {
  name: string;
  type: string;
  data?: JsonObject;
  ownerId?: number | null;
}

export interface ResourceReplacement {
  name: string;
  type: string;
  /** Absent in a full replace means empty. */
  data?: JsonObject;
}

export type ResourcePatch = Partial<ResourceReplacement>;

export interface ResourcePage {
  data: Resource[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

interface ResourceRow {
  id: number;
  name: string;
  type: string;
  data: JsonObject;
  owner_id: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, type, data, owner_id, version, created_at, updated_at';

/** CRUD over `resources`; every statement parameterised. */
export class ResourceRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /**
   * Keyset pagination on id ascending: stable under concurrent inserts and deletes, O(limit) per
   * page at any depth. An invalid cursor throws FloodgateError VALIDATION_FAILED.
   */
  async list(options: { limit: number; cursor?: string | null }): Promise<ResourcePage> {
    const limit = Math.max(1, Math.trunc(options.limit));
    const after = options.cursor ? decodeResourceCursor(options.cursor) : 0;
    const { rows } = await this.#db.query<ResourceRow>(
      `SELECT ${COLUMNS} FROM resources WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, limit + 1],
    );
    const more = rows.length > limit;
    const data = (more ? rows.slice(0, limit) : rows).map(toResource);
    const last = data[data.length - 1];
    return { data, nextCursor: more && last ? encodeResourceCursor(last.id) : null };
  }

  async get(id: number): Promise<Resource | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#db.query<ResourceRow>(`SELECT ${COLUMNS} FROM resources WHERE id = $1`, [
      id,
    ]);
    return rows[0] ? toResource(rows[0]) : null;
  }

  async create(input: NewResource): Promise<Resource> {
    const { rows } = await this.#db.query<ResourceRow>(
      `INSERT INTO resources (name, type, data, owner_id) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [input.name, input.type, JSON.stringify(input.data ?? {}), input.ownerId ?? null],
    );
    return toResource(rows[0] as ResourceRow);
  }

  /** PUT: replaces name, type and data; null when the resource does not exist. */
  async replace(id: number, input: ResourceReplacement): Promise<Resource | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#db.query<ResourceRow>(
      `UPDATE resources SET name = $2, type = $3, data = $4, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, input.name, input.type, JSON.stringify(input.data ?? {})],
    );
    return rows[0] ? toResource(rows[0]) : null;
  }

  /** PATCH: changes only the given fields (data is replaced as a whole, not merged). */
  async patch(id: number, input: ResourcePatch): Promise<Resource | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#db.query<ResourceRow>(
      `UPDATE resources
          SET name = COALESCE($2, name), type = COALESCE($3, type), data = COALESCE($4::jsonb, data),
              version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        input.name ?? null,
        input.type ?? null,
        input.data === undefined ? null : JSON.stringify(input.data),
      ],
    );
    return rows[0] ? toResource(rows[0]) : null;
  }

  /** True when a row was deleted. */
  async delete(id: number): Promise<boolean> {
    if (!isStorableId(id)) return false;
    const { rowCount } = await this.#db.query('DELETE FROM resources WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }
}

function toResource(r: ResourceRow): Resource {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    data: r.data,
    ownerId: r.owner_id,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
