import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCaptureLogger } from '../testing/capture-logger.js';
import { OutageLogger } from './outage-logger.js';

describe('OutageLogger', () => {
  it('logs the start and the end of an outage once each', () => {
    const { logger, lines } = createCaptureLogger();
    const outage = new OutageLogger(logger, 'session store');
    outage.succeeded();
    for (let i = 0; i < 5; i++) outage.failed(new Error('ECONNREFUSED'));
    assert.equal(outage.failing, true);
    outage.succeeded();
    outage.succeeded();
    assert.deepEqual(
      lines().map((l) => [l.level, l.msg, l.err]),
      [
        [40, 'session store unavailable', 'ECONNREFUSED'],
        [30, 'session store reachable again', undefined],
      ],
    );
    assert.equal(outage.failing, false);
  });
});
