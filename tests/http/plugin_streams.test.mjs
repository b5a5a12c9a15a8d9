// plugin_streams.test.mjs: plugin routes that stream their answer (switchboard.http/1
// http_stream_*, the SDK's HttpStream), through the interop probe's GET /ticks: SSE framing and
// headers, errors before the stream begins, the same auth as /mcp, a client that leaves mid-stream
// or stops reading, and a server that stops with a stream open.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { SLOW, SseReader, eventually, hasProbe, sleep, withServer } from './helpers.mjs';

const probe = { skip: !hasProbe() && 'interop_probe.so is not built' };

const api = (server, path) => `${server.origin}/api/v1/interop_probe${path}`;

async function stats(server, headers = {}) {
  const response = await fetch(api(server, '/stream-stats'), { headers });
  assert.equal(response.status, 200);
  return response.json();
}

// Sends a GET on a raw socket and returns it, paused or not.
function rawGet(server, path) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

test('a streamed answer: SSE head, events in order, a clean end, and the connection is reused', probe, async () => {
  await withServer(async (server) => {
    const response = await fetch(api(server, '/ticks?count=5&interval_ms=5'));
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-probe'), 'ticks');
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    const reader = new SseReader(response);
    const { error } = await reader.ended;
    assert.equal(error, undefined, 'the body ends with its last chunk');
    assert.deepEqual(
      reader.events.map((e) => [e.id, e.event, e.message.n]),
      [1, 2, 3, 4, 5].map((n) => [String(n), 'tick', n]),
    );
    // The connection carries further requests after a streamed answer.
    for (let i = 0; i < 3; i++) {
      const again = new SseReader(await fetch(api(server, '/ticks?count=2&interval_ms=0')));
      assert.equal((await again.ended).error, undefined);
      assert.equal(again.events.length, 2);
    }
    await eventually(async () => (await stats(server)).ended === 4, { what: 'four streams ended' });
    assert.equal((await stats(server)).closed, 0, 'no stream was closed under the plugin');
  });
});

test('a stream route answers errors as JSON before it begins', probe, async () => {
  await withServer(async (server) => {
    const bad = await fetch(api(server, '/ticks?count=lots'));
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type'), /application\/json/);
    assert.match((await bad.json()).error, /count must be an integer from 0 to/);
    assert.equal((await stats(server)).begun, 0);
  });
});

test('a stream route is behind the same bearer token as /mcp', probe, async () => {
  const token = 'stream-test-token-0123456789';
  await withServer({ http: { bearer_tokens: [token] } }, async (server) => {
    const refused = await fetch(api(server, '/ticks?count=1'));
    assert.equal(refused.status, 401);
    await refused.arrayBuffer();
    const reader = new SseReader(
      await fetch(api(server, '/ticks?count=1'), { headers: { authorization: `Bearer ${token}` } }),
    );
    assert.equal((await reader.ended).error, undefined);
    assert.equal(reader.events.length, 1);
  });
});

test('a client that leaves mid-stream closes the stream under the plugin at once', probe, async () => {
  await withServer(async (server) => {
    // One event a minute: only the host's watch on the connection can notice the client leaving.
    const reader = new SseReader(await fetch(api(server, '/ticks?count=0&interval_ms=60000')));
    await eventually(async () => (await stats(server)).begun === 1, { what: 'the stream to begin' });
    await reader.close();
    const after = await eventually(
      async () => {
        const now = await stats(server);
        return now.closed === 1 && now.ended === 1 && now;
      },
      { what: 'the plugin to learn that the client left', timeoutMs: 3000 * SLOW },
    );
    assert.equal(after.events, 0);
    // The server carries on.
    const next = new SseReader(await fetch(api(server, '/ticks?count=1&interval_ms=0')));
    assert.equal((await next.ended).error, undefined);
  });
});

test('a client that stops reading is dropped past max_pending_write_bytes; the plugin is told', probe, async () => {
  await withServer({ http: { max_pending_write_bytes: 65536 } }, async (server) => {
    const socket = await rawGet(server, '/api/v1/interop_probe/ticks?count=0&interval_ms=0&pad=16384');
    socket.pause(); // never reads: the kernel buffers fill, then the host's queue
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await eventually(async () => (await stats(server)).closed === 1, {
      what: 'the plugin to learn that the reader was dropped',
      timeoutMs: 20000 * SLOW,
      intervalMs: 100,
    });
    assert.match(server.stderr(), /dropping an HTTP client that stopped reading/);
    await eventually(async () => (await stats(server)).ended === 1, { what: 'the stream to end' });
    socket.resume();
    socket.on('data', () => {});
    await Promise.race([closed, sleep(10000 * SLOW).then(() => assert.fail('the stuck connection was not closed'))]);
  });
});

test('stopping the server ends an open stream cleanly', probe, async () => {
  let reader;
  await withServer(async (server) => {
    reader = new SseReader(await fetch(api(server, '/ticks?count=0&interval_ms=20')));
    await reader.waitFor((e) => e.id === '3', undefined, 'the third tick');
    // withServer's stop() asserts a clean exit within 1 s of SIGTERM.
  });
  const { error } = await reader.ended;
  assert.equal(error, undefined, 'the stream ends with its last chunk, not a cut connection');
  const ids = reader.events.map((e) => Number(e.id));
  assert.deepEqual(ids, ids.map((_, i) => i + 1), 'every tick, in order, none lost before the end');
});
