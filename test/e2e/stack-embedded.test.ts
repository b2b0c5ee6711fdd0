import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerFoundationFlows } from './helpers/foundation-flows.js';
import { type Stack, startStack } from './helpers/start-stack.js';

describe('floodgate up --embedded (PGlite, no Redis)', { timeout: 180_000 }, () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ embedded: true });
  });

  after(async () => {
    if (stack) assert.equal(await stack.stop(), 0);
  });

  it('says it runs on embedded PostgreSQL and in-process stores', () => {
    assert.match(stack.output(), /PostgreSQL.*embedded/i);
    assert.match(stack.output(), /Redis.*(none|in-process)/i);
  });

  registerFoundationFlows(() => stack);
});
