// reliability.test.mjs: load and misbehaving clients. A thousand concurrent sessions; clients that
// vanish mid-stream; a client that never reads; malformed HTTP and JSON. None of it may hurt the
// server or the other sessions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';

import {
  del,
  eventually,
  hasProbe,
  openGetStream,
  openSession,
  post,
  postStream,
  rawExchange,
  request,
  rpcJson,
  sleep,
  SLOW,
  statusOf,
  withServer,
} from './helpers.mjs';

const probe = { skip: !hasProbe() && 'interop_probe is not built' };

async function health(server) {
  const response = await fetch(`${server.origin}/healthz`);
  assert.equal(response.status, 200);
  return response.json();
}

// A fresh session does a streamed tool call with progress and gets everything.
async function assertServes(server) {
  const session = await openSession(server);
  const stream = await postStream(
    server,
    session,
    request('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'ok' } }, 'ok'),
  );
  const answer = await stream.waitForResponse('ok');
  assert.equal(answer.result.content[0].text, 'ok');
  assert.equal(stream.messages.filter((m) => m.method === 'notifications/progress').length, 3);
  const removed = await del(server, { session: session.id });
  assert.equal(removed.status, 200);
  await removed.arrayBuffer();
}

// A raw HTTP/1.1 request on its own socket: resolves to the socket once connected and written.
function rawRequest(server, lines, body = '') {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write(lines.join('\r\n') + '\r\n\r\n' + body);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

function sseGetLines(server, session) {
  return [
    'GET /mcp HTTP/1.1',
    `Host: 127.0.0.1:${server.port}`,
    'Accept: text/event-stream',
    `Mcp-Session-Id: ${session.id}`,
    `MCP-Protocol-Version: ${session.version}`,
  ];
}

function ssePostLines(server, session, body) {
  return [
    'POST /mcp HTTP/1.1',
    `Host: 127.0.0.1:${server.port}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    `Mcp-Session-Id: ${session.id}`,
    `MCP-Protocol-Version: ${session.version}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
}

// Waits until `socket` received at least `bytes` bytes.
function received(socket, bytes) {
  return new Promise((resolve, reject) => {
    let total = 0;
    const timer = setTimeout(() => reject(new Error(`only ${total} of ${bytes} bytes arrived`)), 5000 * SLOW);
    socket.on('data', (chunk) => {
      total += chunk.length;
      if (total >= bytes) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

test('1000 concurrent sessions each initialize and call a tool; all succeed and the server still serves', async () => {
  // A loaded machine can keep node from writing on a connection it opened for longer than the
  // default header_timeout_ms (10 s), and the server then closes it as idle: that is not what
  // this test is about.
  await withServer({ http: { header_timeout_ms: 120000 } }, async (server) => {
    const count = 1000;
    const started = Date.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, async (_, i) => {
        const session = await openSession(server);
        const call = request('tools/call', { name: 'test_simple_text', arguments: {} }, `c${i}`);
        let answer;
        if (i % 2) {
          answer = await rpcJson(server, session, 'tools/call', call.params);
        } else {
          const stream = await postStream(server, session, call);
          answer = await stream.waitForResponse(`c${i}`, 60000 * SLOW);
        }
        assert.equal(answer.result.content[0].text, 'This is a simple text response for testing.');
        return session;
      }),
    );
    const failures = outcomes.filter((o) => o.status === 'rejected');
    const first = failures[0]?.reason;
    assert.equal(failures.length, 0, `${failures.length} sessions failed, first: ${first?.stack} (cause: ${first?.cause?.stack ?? first?.cause})`);
    const sessions = outcomes.map((o) => o.value);
    assert.equal(new Set(sessions.map((s) => s.id)).size, count, 'every session has its own id');
    assert.equal((await health(server)).sessions, count);
    console.log(`# ${count} sessions initialized and called a tool in ${Date.now() - started} ms`);

    await assertServes(server);
    const removed = await Promise.all(sessions.map((s) => del(server, { session: s.id })));
    assert.ok(removed.every((r) => r.status === 200));
    await Promise.all(removed.map((r) => r.arrayBuffer()));
    assert.equal((await health(server)).sessions, 0);
  });
});

test('clients that vanish mid-stream do not hurt other sessions; their calls still complete', probe, async () => {
  await withServer(async (server) => {
    const healthy = await openSession(server);
    const healthyGet = await openGetStream(server, healthy);
    const vanishing = [];
    for (let i = 0; i < 12; i++) {
      const session = await openSession(server);
      const body = JSON.stringify(
        request('tools/call', { name: 'probe_slow', arguments: { steps: 15, delay_ms: 40 }, _meta: { progressToken: i } }, i),
      );
      const postSocket = await rawRequest(server, ssePostLines(server, session, body), body);
      const getSocket = await rawRequest(server, sseGetLines(server, session));
      vanishing.push({ postSocket, getSocket, waits: [received(postSocket, 300), received(getSocket, 100)] });
    }
    await Promise.all(vanishing.flatMap((v) => v.waits));
    // Half go with a reset, half with a plain close, all in the middle of their streams.
    vanishing.forEach(({ postSocket, getSocket }, i) => {
      for (const socket of [postSocket, getSocket]) {
        if (i % 2) socket.resetAndDestroy();
        else socket.destroy();
      }
    });

    // The healthy session keeps working while the server runs into the dead sockets.
    for (let i = 0; i < 10; i++) {
      const stream = await postStream(
        server,
        healthy,
        request('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: `h${i}` } }, `h${i}`),
      );
      const answer = await stream.waitForResponse(`h${i}`);
      assert.equal(answer.result.content[0].text, `h${i}`);
      // list_changed goes to every session's GET stream, the dead ones included.
      await rpcJson(server, healthy, 'tools/call', { name: 'probe_add_tool', arguments: { name: `probe_dyn_v${i}` } });
    }
    await healthyGet.waitFor(() => healthyGet.messages.length >= 10, undefined, 'ten list_changed notifications');

    // Nobody cancelled the abandoned calls: they all ran to the end.
    await eventually(
      async () => {
        const answer = await rpcJson(server, healthy, 'tools/call', { name: 'probe_stats', arguments: {} });
        const stats = JSON.parse(answer.result.content[0].text);
        return stats.completed === 12 && stats.running === 0 && stats.cancelled === 0;
      },
      { what: 'all 12 abandoned calls to complete' },
    );
    assert.equal((await health(server)).sessions, 13);
    await healthyGet.close();
    await assertServes(server);
  });
});

test('a client that never reads its GET stream is dropped past max_pending_write_bytes; others are served', probe, async () => {
  await withServer({ http: { max_pending_write_bytes: 65536 } }, async (server) => {
    const stuck = await openSession(server);
    const socket = await rawRequest(server, sseGetLines(server, stuck));
    socket.pause(); // never reads: the kernel buffers fill up, then the server's queue
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const pusher = await openSession(server);
    const other = await openSession(server);
    const otherGet = await openGetStream(server, other);

    // Progress of JSON-mode calls goes to the session's GET stream: ~10000 events per call.
    let calls = 0;
    while (!/dropping an HTTP client that stopped reading/.test(server.stderr()) && calls < 60) {
      const answer = await rpcJson(server, stuck, 'tools/call', {
        name: 'probe_slow',
        arguments: { steps: 10000, delay_ms: 0 },
        _meta: { progressToken: `flood${calls}` },
      });
      assert.equal(answer.result.content[0].text, 'counted to 10000');
      calls++;
      // The other sessions are served all along.
      assert.deepEqual((await rpcJson(server, pusher, 'ping')).result, {});
    }
    assert.match(server.stderr(), /dropping an HTTP client that stopped reading/, `not dropped after ${calls} calls`);

    // Reading now yields what the kernel buffered, then the end: no final chunk, the server cut it.
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.resume();
    await Promise.race([closed, sleep(10000 * SLOW).then(() => assert.fail('the stuck connection was not closed'))]);
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.ok(!text.endsWith('0\r\n\r\n'), 'the stream was cut, not ended');

    // Other sessions and the stuck session itself (with a new stream) carry on.
    await rpcJson(server, pusher, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_after' } });
    await otherGet.waitForMessage((m) => m.method === 'notifications/tools/list_changed', undefined, 'list_changed');
    await otherGet.close();
    const again = await openGetStream(server, stuck);
    await again.waitFor(() => true, undefined, 'a priming event on the new stream');
    await again.close();
    await assertServes(server);
  });
});

test('malformed HTTP does not hurt the server', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const host = `Host: 127.0.0.1:${server.port}\r\n`;
    const cases = [
      { name: 'random bytes', data: randomBytes(4096) },
      { name: 'NUL bytes', data: Buffer.alloc(1024) },
      { name: 'a TLS ClientHello', data: Buffer.from('1603010200010001fc0303', 'hex') },
      { name: 'a bad request line', data: 'HELLO THERE\r\n\r\n', status: 400 },
      { name: 'a bad version', data: `GET /healthz HTTP/9.9\r\n${host}\r\n`, status: 400 },
      { name: 'a header without a colon', data: `GET /healthz HTTP/1.1\r\n${host}Just words\r\n\r\n`, status: 400 },
      { name: 'a huge header', data: `GET /healthz HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, status: 431 },
      { name: 'many headers', data: `GET /healthz HTTP/1.1\r\n${host}${'X-Many: 1\r\n'.repeat(4000)}\r\n` , status: 431 },
      { name: 'a bad Content-Length', data: `POST /mcp HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`, status: 400 },
      {
        name: 'two Content-Lengths',
        data: `POST /mcp HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
        status: 400,
      },
      {
        name: 'a bad chunk size',
        data: `POST /mcp HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        status: 400,
      },
      { name: 'a lone CR LF storm', data: '\r\n'.repeat(10000) },
    ];
    for (const { name, data, status } of cases) {
      const result = await rawExchange(server, data);
      assert.equal(result.closed, true, `${name}: the server closed the connection`);
      const got = statusOf(result.text);
      if (status) assert.equal(got, status, `${name}: answered ${result.text.slice(0, 100)}`);
      else assert.ok(got === undefined || got >= 400, `${name}: answered ${got}`);
      const alive = await fetch(`${server.origin}/healthz`);
      assert.equal(alive.status, 200, `${name}: the server still serves`);
      await alive.arrayBuffer();
    }

    // Pipelined requests on one connection are all answered, in order.
    const pipelined = await rawExchange(
      server,
      `GET /healthz HTTP/1.1\r\n${host}\r\n`.repeat(20) + `GET /healthz HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    );
    assert.equal(pipelined.text.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 21);

    assert.deepEqual((await rpcJson(server, session, 'ping')).result, {});
    await assertServes(server);
  });
});

test('a barrage of malformed JSON bodies (400, -32700) among good requests does not hurt the server', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const options = { session: session.id, version: session.version, accept: 'application/json' };
    const bad = ['{', '[1,2', '{"jsonrpc":"2.0","id":1,"method":"ping"', '\u{1F4A9}', 'nul\u0000l', '{"a":1}}', '"unterminated'];
    const results = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        if (i % 3 === 0) {
          const response = await post(server, request('ping', undefined, `g${i}`), options);
          assert.equal(response.status, 200);
          assert.equal((await response.json()).id, `g${i}`);
          return 'good';
        }
        const response = await post(server, bad[i % bad.length], options);
        assert.equal(response.status, 400);
        const answer = await response.json();
        assert.equal(answer.error.code, -32700);
        return 'bad';
      }),
    );
    assert.equal(results.filter((r) => r === 'good').length, 100);
    // Bodies that are not UTF-8 are parse errors too.
    const binary = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': session.id },
      body: randomBytes(512),
    });
    assert.equal(binary.status, 400);
    await binary.arrayBuffer();
    assert.deepEqual((await rpcJson(server, session, 'ping')).result, {});
    await assertServes(server);
  });
});
