import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, request } from 'node:http';
import { after, describe, it } from 'node:test';
import { LbStatusAnswer } from '@floodgate/shared/admin-api';
import { call, getFreePort } from '@floodgate/shared/testing';
import {
  type BackendHandler,
  type EchoBody,
  startBackend,
  type TestBackend,
} from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';

interface Envelope {
  error: { code: string; message: string; requestId: string };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads the whole request body, then hands its bytes to `then`. */
const withBody =
  (then: (body: Buffer, req: IncomingMessage, res: Parameters<BackendHandler>[1]) => void): BackendHandler =>
  (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => then(Buffer.concat(chunks), req, res));
  };

const answer503: BackendHandler = withBody((_b, _req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '4' });
  res.end('busy');
});

/** A chunked upload (no content-length) of `parts`. */
function chunkedPost(url: string, parts: Buffer[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode as number, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

describe('retries', { timeout: 20_000 }, () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  async function backend(id: string, handler?: BackendHandler): Promise<TestBackend> {
    const b = await startBackend(id, handler);
    stops.push(() => b.close());
    return b;
  }
  async function balancer(urls: string[], env?: Record<string, string>): Promise<TestLoadBalancer> {
    const lb = await startTestLoadBalancer(urls, env);
    stops.push(() => lb.close());
    return lb;
  }
  const deadUrl = async () => `http://127.0.0.1:${await getFreePort()}`;
  const metricsText = async (lb: TestLoadBalancer) => (await call(`${lb.url}/metrics`)).body.toString();
  const status = async (lb: TestLoadBalancer) =>
    LbStatusAnswer.parse((await call(`${lb.url}/lb/status`)).json()).data;

  it('retries a GET on another backend after a refused connection', async () => {
    const live = await backend('live');
    const lb = await balancer([await deadUrl(), live.url]);
    const res = await call(`${lb.url}/r`, { headers: { 'x-request-id': 'retry-connect' } });
    assert.equal(res.status, 200);
    assert.equal(res.json<EchoBody>().id, 'live');
    assert.equal(res.headers['x-backend-id'], 'api-2');
    const [dead, alive] = (await status(lb)).backends;
    assert.deepEqual([dead?.failures, dead?.retries, dead?.inFlight], [1, 1, 0]);
    assert.deepEqual([alive?.failures, alive?.retries], [0, 0]);
    assert.match(await metricsText(lb), /^floodgate_retries_total\{reason="connect"[^}]*\} 1$/m);
    assert.equal(lb.logLines().find((l) => l.reqId === 'retry-connect')?.retries, 1);
  });

  it('retries a GET on another backend after a connection reset', async () => {
    const resetter = await backend('resetter', (req) => req.socket.destroy());
    const live = await backend('live');
    const lb = await balancer([resetter.url, live.url]);
    const res = await call(`${lb.url}/r`);
    assert.equal(res.status, 200);
    assert.equal(res.json<EchoBody>().id, 'live');
    assert.equal(resetter.hits, 1);
    assert.match(await metricsText(lb), /^floodgate_retries_total\{reason="reset"[^}]*\} 1$/m);
  });

  it('retries a GET on another backend after the per-try timeout', async () => {
    const silent = await backend('silent', () => {});
    const live = await backend('live');
    const lb = await balancer([silent.url, live.url], { LB_TRY_TIMEOUT_MS: '200' });
    const started = performance.now();
    const res = await call(`${lb.url}/r`);
    assert.equal(res.status, 200);
    assert.equal(res.json<EchoBody>().id, 'live');
    assert.ok(performance.now() - started >= 190, 'the first try waited for its timeout');
    assert.equal(silent.hits, 1);
    assert.match(await metricsText(lb), /^floodgate_retries_total\{reason="timeout"[^}]*\} 1$/m);
  });

  it('retries a GET after 502, 503 and 504 answers, but passes a 500 through', async () => {
    for (const code of [502, 503, 504, 500]) {
      const failing = await backend(`answers-${code}`, (_req, res) => {
        res.writeHead(code, { 'content-length': '0' });
        res.end();
      });
      const live = await backend('live');
      const lb = await balancer([failing.url, live.url]);
      const res = await call(`${lb.url}/r`);
      if (code === 500) {
        assert.equal(res.status, 500);
        assert.equal(live.hits, 0, '500 is not retried');
      } else {
        assert.equal(res.status, 200, `after ${code}`);
        assert.equal(res.json<EchoBody>().id, 'live');
        assert.match(
          await metricsText(lb),
          new RegExp(`^floodgate_retries_total\\{reason="${code}"[^}]*\\} 1$`, 'm'),
        );
      }
      assert.equal(failing.hits, 1);
    }
  });

  it('does not retry a POST once sent: a backend resetting after reading the body got it exactly once, the client gets 502', async () => {
    const received: string[] = [];
    const resetter = await backend(
      'post-reset',
      withBody((body, req) => {
        received.push(sha256(body));
        req.socket.destroy();
      }),
    );
    const live = await backend('live');
    const lb = await balancer([resetter.url, live.url]);
    const payload = randomBytes(2048);
    const res = await call(`${lb.url}/orders`, { method: 'POST', body: payload });
    assert.equal(res.status, 502);
    assert.equal(res.json<Envelope>().error.code, 'BAD_GATEWAY');
    assert.deepEqual(received, [sha256(payload)]);
    assert.equal(live.hits, 0);
  });

  it('retries a POST whose connection was refused: it never reached a backend; the body bytes are identical', async () => {
    const live = await backend('live');
    const lb = await balancer([await deadUrl(), live.url]);
    const payload = randomBytes(10_000);
    const res = await call(`${lb.url}/orders`, { method: 'POST', body: payload });
    assert.equal(res.status, 200);
    const seen = res.json<EchoBody>();
    assert.equal(seen.id, 'live');
    assert.equal(seen.bodyBytes, payload.length);
    assert.equal(seen.bodySha256, sha256(payload));
  });

  it('retries a POST carrying Idempotency-Key after it was sent, resending the same bytes (also chunked)', async () => {
    const received: string[] = [];
    const resetter = await backend(
      'post-reset',
      withBody((body, req) => {
        received.push(sha256(body));
        req.socket.destroy();
      }),
    );
    const live = await backend('live');
    const lb = await balancer([resetter.url, live.url]);
    const payload = randomBytes(30_000);
    const headers = { 'idempotency-key': 'order-42' };
    const res = await call(`${lb.url}/orders`, { method: 'POST', body: payload, headers });
    assert.equal(res.status, 200);
    assert.equal(res.json<EchoBody>().bodySha256, sha256(payload));
    assert.equal(res.json<EchoBody>().headers['idempotency-key'], 'order-42');
    assert.deepEqual(received, [sha256(payload)], 'the first backend got the same bytes');

    // A small chunked body is buffered too; round robin sends this one to the resetter first again.
    const parts = [randomBytes(1000), randomBytes(1), randomBytes(5000)];
    const chunked = await chunkedPost(`${lb.url}/orders`, parts, headers);
    assert.equal(chunked.status, 200);
    const whole = Buffer.concat(parts);
    assert.equal((JSON.parse(chunked.body.toString()) as EchoBody).bodySha256, sha256(whole));
    assert.deepEqual(received, [sha256(payload), sha256(whole)]);
  });

  it('repeats a sent POST or PATCH only with a valid Idempotency-Key, and no other method at all', async () => {
    const cases: { method: string; key?: string; retried: boolean }[] = [
      { method: 'POST', key: 'two words', retried: false }, // not a token, not a quoted string
      { method: 'POST', key: '""', retried: false },
      { method: 'POST', key: `k${'x'.repeat(255)}`, retried: false }, // too long
      { method: 'PATCH', retried: false },
      { method: 'PROPFIND', key: 'order-42', retried: false }, // the api-server de-duplicates POST and PATCH only
      { method: 'PATCH', key: '"patch-7"', retried: true },
    ];
    for (const { method, key, retried } of cases) {
      const received: string[] = [];
      const resetter = await backend(
        'reset-after-body',
        withBody((body, req) => {
          received.push(sha256(body));
          req.socket.destroy();
        }),
      );
      const live = await backend('live');
      const lb = await balancer([resetter.url, live.url]);
      const payload = randomBytes(512);
      const headers: Record<string, string> = key === undefined ? {} : { 'idempotency-key': key };
      const res = await call(`${lb.url}/orders/1`, { method, body: payload, headers });
      const what = `${method} ${key ?? '(no key)'}`;
      assert.deepEqual(received, [sha256(payload)], `${what}: the first backend got it once`);
      if (retried) {
        assert.equal(res.status, 200, what);
        assert.equal(res.json<EchoBody>().bodySha256, sha256(payload));
      } else {
        assert.equal(res.status, 502, what);
        assert.equal(live.hits, 0, `${what}: not repeated`);
      }
    }
  });

  it('streams a body larger than LB_RETRY_BODY_LIMIT_BYTES and does not retry it', async () => {
    const busy = await backend('busy', answer503);
    const live = await backend('live');
    const lb = await balancer([busy.url, live.url], { LB_RETRY_BODY_LIMIT_BYTES: '65536' });
    const big = await call(`${lb.url}/doc`, { method: 'PUT', body: randomBytes(65_537) });
    assert.equal(big.status, 503, "the backend's own answer");
    assert.equal(big.body.toString(), 'busy');
    // The same without content-length: found too large while reading, then streamed.
    await call(`${lb.url}/warm`); // round robin: the next request goes to the busy backend again
    const chunked = await chunkedPost(`${lb.url}/doc`, [randomBytes(40_000), randomBytes(40_000)], {
      'idempotency-key': 'k',
    });
    assert.equal(chunked.status, 503);
    assert.equal(busy.hits, 2);
    assert.equal(live.hits, 1, 'only the warm-up request');
    await call(`${lb.url}/warm`);
    const small = await call(`${lb.url}/doc`, { method: 'PUT', body: randomBytes(65_536) });
    assert.equal(small.status, 200, 'at the limit it is buffered and retried');
    assert.deepEqual([busy.hits, live.hits], [3, 3]);
  });

  it('never retries once response bytes were sent to the client', async () => {
    const dies = await backend('dies', (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial', () => res.socket?.destroy());
    });
    const live = await backend('live');
    const lb = await balancer([dies.url, live.url]);
    await assert.rejects(call(`${lb.url}/r`), /aborted|ECONNRESET|socket hang up/);
    assert.equal(dies.hits, 1);
    assert.equal(live.hits, 0);
  });

  it('retries at most once by default, each time on a backend not tried yet; LB_RETRIES raises it', async () => {
    const failing = await Promise.all(['a', 'b', 'c'].map((id) => backend(id, answer503)));
    const urls = failing.map((b) => b.url);
    const once = await balancer(urls);
    assert.equal((await call(`${once.url}/r`)).status, 503);
    assert.deepEqual(
      failing.map((b) => b.hits),
      [1, 1, 0],
    );
    const twice = await balancer(urls, { LB_RETRIES: '2' });
    assert.equal((await call(`${twice.url}/r`)).status, 503);
    assert.deepEqual(
      failing.map((b) => b.hits),
      [2, 2, 1],
      'three tries, three different backends',
    );
  });

  it('gives up at the overall timeout instead of retrying past it', async () => {
    const first = await backend('first', () => {});
    const second = await backend('second', () => {});
    const lb = await balancer([first.url, second.url], {
      LB_TRY_TIMEOUT_MS: '10000',
      LB_REQUEST_TIMEOUT_MS: '200',
    });
    const started = performance.now();
    const res = await call(`${lb.url}/r`);
    assert.equal(res.status, 504);
    assert.equal(res.json<Envelope>().error.code, 'UPSTREAM_TIMEOUT');
    assert.ok(performance.now() - started < 3000, 'bounded by the overall timeout, not the per-try one');
    assert.deepEqual([first.hits, second.hits], [1, 0]);
  });

  it('stops a retry storm with the retry budget', async () => {
    // Ten requests fail at once on "bad"; "good" holds every request until released, so retries stay
    // in flight. The budget (ratio 0, minimum 3) lets exactly three of the ten retry.
    const arrivedAtBad: (() => void)[] = [];
    const bad = await backend('bad', (_req, res) => {
      arrivedAtBad.push(() => {
        res.writeHead(503, { 'content-length': '0' });
        res.end();
      });
      if (arrivedAtBad.length === 10) for (const answer of arrivedAtBad) answer();
    });
    const held: (() => void)[] = [];
    let heldArrived: () => void = () => {};
    const good = await backend('good', (req, res) => {
      held.push(() => res.end(JSON.stringify({ url: req.url })));
      if (held.length === 13) heldArrived();
    });
    const lb = await balancer([bad.url, good.url], {
      LB_RETRY_BUDGET_RATIO: '0',
      LB_RETRY_BUDGET_MIN: '3',
      CIRCUIT_FAILURE_THRESHOLD: '1000',
      CIRCUIT_VOLUME_THRESHOLD: '1000',
    });
    const allHeld = new Promise<void>((r) => {
      heldArrived = r;
    });
    const responses = Array.from({ length: 20 }, (_, i) => call(`${lb.url}/storm/${i}`));
    await allHeld; // 10 first tries + 3 retries
    for (const release of held) release();
    const results = await Promise.all(responses);
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(13).fill(200), ...Array(7).fill(503)]);
    assert.equal(bad.hits, 10);
    assert.equal(good.hits, 13);
    const text = await metricsText(lb);
    assert.match(text, /^floodgate_retries_total\{reason="503"[^}]*\} 3$/m);
    assert.match(text, /^floodgate_retry_budget_exhausted_total\{[^}]*\} 7$/m);
  });
});
