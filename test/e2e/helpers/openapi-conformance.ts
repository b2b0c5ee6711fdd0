import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks admin and status answers against docs/admin-api.openapi.json (which a unit test keeps equal
 * to what the shared schemas generate): a 2xx of an admin or status path must be a documented
 * operation and status whose schema the body satisfies; an error answer must be the envelope.
 * `http.ts` and the fault stack run every answer they see through it.
 */
const DOC = JSON.parse(
  readFileSync(new URL('../../../docs/admin-api.openapi.json', import.meta.url), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};
const DOC_ID = 'admin-api.openapi.json';
const ADMIN_PATH = /^\/(api\/v1\/admin\/|lb\/status$|lb\/admin\/|internal\/cache)/;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(DOC, DOC_ID);

const OPERATIONS = Object.keys(DOC.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
}));

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
function validator(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (v === undefined) {
    v = ajv.getSchema(`${DOC_ID}#/${ref}`);
    if (v === undefined) throw new Error(`no schema at ${ref}`);
    validators.set(ref, v);
  }
  return v;
}

/** Operations whose success answers were checked (`GET /api/v1/admin/keys 200`), with counts. */
export const checkedAnswers = new Map<string, number>();

/** Throws an AssertionError when an admin or status answer differs from the OpenAPI document. */
export function assertConformsToOpenApi(method: string, url: string, status: number, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  if (!ADMIN_PATH.test(path)) return;
  if (status >= 400) {
    check(validator(pointer('components', 'schemas', 'ErrorEnvelope')), body, `${method} ${path} ${status}`);
    return;
  }
  const op = OPERATIONS.find((o) => o.pattern.test(path));
  const m = method.toLowerCase();
  const responses = op ? DOC.paths[op.template]?.[m]?.responses : undefined;
  if (op === undefined || responses === undefined) {
    throw new AssertionError({
      message: `${method} ${path} answered ${status} but is not in the OpenAPI document`,
    });
  }
  if (responses[String(status)] === undefined) {
    throw new AssertionError({
      message: `${method} ${op.template} answered ${status}, which the document does not list`,
    });
  }
  const ref = pointer(
    'paths',
    op.template,
    m,
    'responses',
    String(status),
    'content',
    'application/json',
    'schema',
  );
  check(validator(ref), body, `${method} ${op.template} ${status}`);
  const key = `${method.toUpperCase()} ${op.template} ${status}`;
  checkedAnswers.set(key, (checkedAnswers.get(key) ?? 0) + 1);
}

function check(validate: ValidateFunction, body: unknown, what: string): void {
  if (validate(body)) return;
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  throw new AssertionError({
    message: `${what} differs from docs/admin-api.openapi.json: ${errors.join('; ')}\n${JSON.stringify(body).slice(0, 2000)}`,
  });
}
