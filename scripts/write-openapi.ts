// Writes docs/admin-api.openapi.json from the shared admin-api schemas: `npm run openapi`.
// shared/src/admin-api/openapi-document.test.ts fails while the checked-in file differs.
import { writeFileSync } from 'node:fs';
import { createAdminOpenApiDocument } from '@floodgate/shared/admin-api/openapi-document';

const target = new URL('../docs/admin-api.openapi.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(createAdminOpenApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
