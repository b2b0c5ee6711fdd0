import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_ENDPOINTS } from './admin-endpoints.js';
import { createAdminOpenApiDocument } from './openapi-document.js';

const CHECKED_IN = new URL('../../../docs/admin-api.openapi.json', import.meta.url);

describe('the admin OpenAPI document', () => {
  const doc = createAdminOpenApiDocument();

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(JSON.parse(JSON.stringify(doc)));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(doc.openapi, '3.1.0');
  });

  it('documents every endpoint with its success answer and the error envelope', () => {
    for (const e of ADMIN_ENDPOINTS) {
      const op = (doc.paths?.[e.path] as Record<string, { responses: Record<string, unknown> }>)?.[e.method];
      assert.ok(op, `${e.method} ${e.path}`);
      assert.ok(op.responses[String(e.ok.status)], `${e.method} ${e.path} ${e.ok.status}`);
      if (e.auth !== 'none') assert.ok(op.responses['401'] && op.responses['403'], `${e.path} 401/403`);
    }
  });

  it('is checked in as docs/admin-api.openapi.json (run `npm run openapi` after changing a schema)', () => {
    const checkedIn = JSON.parse(readFileSync(CHECKED_IN, 'utf8'));
    assert.deepEqual(checkedIn, JSON.parse(JSON.stringify(doc)), 'docs/admin-api.openapi.json is stale');
  });
});
