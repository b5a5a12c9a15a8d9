// security_limits.test.mjs: the gate (Host, Origin, bearer tokens), the limits (body size,
// session count, idle sessions, slow clients), routes outside /mcp, CORS and /healthz.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CLIENT_INFO,
  connectClient,
  del,
  eventually,
  get,
  httpRequest,
  LATEST,
  openGetStream,
  openSession,
  post,
  rawExchange,
  request,
  rpcJson,
  sleep,
  SLOW,
  statusOf,
  textOf,
  withServer,
} from './helpers.mjs';

const initializeBody = JSON.stringify(
  request('initialize', { protocolVersion: LATEST, capabilities: {}, clientInfo: CLIENT_INFO }),
);

// POST initialize with exactly these headers (plus the JSON ones) through node:http.
function initializeWith(server, headers) {
  return httpRequest(server, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: initializeBody,
  });
}

test('Host must be a loopback name by default (403 otherwise: DNS rebinding)', async () => {
  await withServer(async (server) => {
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, 'LOCALHOST']) {
      const response = await initializeWith(server, { host });
      assert.equal(response.status, 200, `Host ${host} is allowed`);
    }
    for (const host of ['evil.example.com', `evil.example.com:${server.port}`, '127.0.0.1.nip.io', '10.0.0.1:80']) {
      const response = await initializeWith(server, { host });
      assert.equal(response.status, 403, `Host ${host} is refused`);
      assert.match(JSON.parse(response.body).error, /Host/);
      const health = await httpRequest(server, { path: '/healthz', headers: { host } });
      assert.equal(health.status, 403, `Host ${host} is refused on /healthz too`);
    }
    // Refused requests created no session.
    const health = await (await fetch(`${server.origin}/healthz`)).json();
    assert.equal(health.sessions, 4);
  });
});

test('allowed_hosts replaces the loopback default', async () => {
  await withServer({ http: { allowed_hosts: ['mcp.example.com'] } }, async (server) => {
    assert.equal((await initializeWith(server, { host: 'mcp.example.com' })).status, 200);
    assert.equal((await initializeWith(server, { host: `MCP.example.com:${server.port}` })).status, 200);
    assert.equal((await initializeWith(server, { host: `127.0.0.1:${server.port}` })).status, 403);
    assert.equal((await initializeWith(server, { host: 'other.example.com' })).status, 403);
  });
});

test('Origin must be a loopback origin by default (403 otherwise)', async () => {
  await withServer(async (server) => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:9999', 'https://localhost', 'http://[::1]:3000']) {
      const response = await post(server, initializeBody, { headers: { origin } });
      assert.equal(response.status, 200, `Origin ${origin} is allowed`);
      await response.arrayBuffer();
    }
    for (const origin of ['http://evil.example.com', 'https://localhost.evil.com', 'null', 'file://localhost']) {
      const response = await post(server, initializeBody, { headers: { origin } });
      assert.equal(response.status, 403, `Origin ${origin} is refused`);
      assert.match((await response.json()).error, /Origin/);
    }
    // An established session is refused too when the request comes from a foreign origin.
    const session = await openSession(server);
    const foreign = await post(server, request('ping'), {
      session: session.id,
      version: session.version,
      headers: { origin: 'http://evil.example.com' },
    });
    assert.equal(foreign.status, 403);
    await foreign.arrayBuffer();
    const foreignGet = await get(server, { session: session.id, headers: { origin: 'http://evil.example.com' } });
    assert.equal(foreignGet.status, 403);
    await foreignGet.arrayBuffer();
  });
});

test('allowed_origins replaces the loopback default', async () => {
  await withServer({ http: { allowed_origins: ['https://app.example.com'] } }, async (server) => {
    const ok = await post(server, initializeBody, { headers: { origin: 'https://app.example.com' } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    const loopback = await post(server, initializeBody, { headers: { origin: 'http://localhost:3000' } });
    assert.equal(loopback.status, 403);
    await loopback.arrayBuffer();
    // No Origin at all (a non-browser client) is fine.
    const none = await post(server, initializeBody);
    assert.equal(none.status, 200);
    await none.arrayBuffer();
  });
});

test('bearer tokens (one from ${env:...}): 401 with WWW-Authenticate without or with a wrong token, 200 with a right one', async () => {
  const token = 'test-token-from-env-0123456789';
  const second = 'second-token-abcdefghijklmnop';
  await withServer(
    { http: { bearer_tokens: ['${env:SWITCHBOARD_HTTP_TEST_TOKEN}', second] }, env: { SWITCHBOARD_HTTP_TEST_TOKEN: token } },
    async (server) => {
      const missing = await post(server, initializeBody);
      assert.equal(missing.status, 401);
      assert.match(missing.headers.get('www-authenticate'), /^Bearer /);
      await missing.arrayBuffer();
      for (const authorization of [
        'Bearer wrong-token-0123456789abcdef',
        `Bearer ${token}x`,
        `Basic ${Buffer.from(`user:${token}`).toString('base64')}`,
        token,
        'Bearer ${env:SWITCHBOARD_HTTP_TEST_TOKEN}',
        'Bearer ',
      ]) {
        const wrong = await post(server, initializeBody, { headers: { authorization } });
        assert.equal(wrong.status, 401, `refused: ${authorization}`);
        assert.match(wrong.headers.get('www-authenticate'), /^Bearer .*error="invalid_token"/);
        await wrong.arrayBuffer();
      }
      for (const authorization of [`Bearer ${token}`, `bearer ${second}`]) {
        const right = await post(server, initializeBody, { headers: { authorization } });
        assert.equal(right.status, 200, `accepted: ${authorization}`);
        assert.ok(right.headers.get('mcp-session-id'));
        await right.arrayBuffer();
      }
      // Every method and route behind the gate needs the token.
      const session = 'a'.repeat(32);
      for (const response of [
        await get(server, { session }),
        await del(server, { session }),
        await fetch(`${server.origin}/api/v1/conformance_fixture/x`),
      ]) {
        assert.equal(response.status, 401);
        await response.arrayBuffer();
      }
      // The SDK client works with the token in its request headers.
      const connection = await connectClient(server, { headers: { authorization: `Bearer ${token}` } });
      try {
        const result = await connection.client.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal(textOf(result), 'This is a simple text response for testing.');
      } finally {
        await connection.close();
      }
    },
  );
});

test('a body over max_body_bytes is refused with 413 and the server keeps serving', async () => {
  await withServer({ http: { max_body_bytes: 1024 } }, async (server) => {
    const session = await openSession(server);
    const big = JSON.stringify(request('tools/call', { name: 'test_simple_text', arguments: { pad: 'x'.repeat(2000) } }));
    const refused = await post(server, big, { session: session.id, version: session.version });
    assert.equal(refused.status, 413);
    assert.match((await refused.json()).error, /max_body_bytes/);

    // The same with a chunked body that declares no length.
    const chunk = 'x'.repeat(800);
    const head =
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json\r\nMcp-Session-Id: ${session.id}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunked = await rawExchange(server, [
      head,
      `${(800).toString(16)}\r\n${chunk}\r\n`,
      `${(800).toString(16)}\r\n${chunk}\r\n`,
      '0\r\n\r\n',
    ], { gapMs: 20 });
    assert.equal(statusOf(chunked.text), 413, chunked.text.slice(0, 200));

    // Just under the limit is fine, on the same session.
    const small = JSON.stringify(request('tools/call', { name: 'test_simple_text', arguments: { pad: 'x'.repeat(800) } }, 's'));
    assert.ok(small.length <= 1024);
    const ok = await post(server, small, { session: session.id, version: session.version, accept: 'application/json' });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).result.content[0].text, 'This is a simple text response for testing.');
  });
});

test('max_sessions reached: initialize is refused with 503 until a session ends', async () => {
  await withServer({ http: { max_sessions: 3 } }, async (server) => {
    const sessions = [await openSession(server), await openSession(server), await openSession(server)];
    const refused = await post(server, initializeBody);
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get('retry-after'), 'Retry-After is set');
    assert.equal(refused.headers.get('mcp-session-id'), null);
    assert.match((await refused.json()).error, /max_sessions/);
    // Existing sessions still work.
    for (const session of sessions) assert.deepEqual((await rpcJson(server, session, 'ping')).result, {});
    const removed = await del(server, { session: sessions[0].id });
    assert.equal(removed.status, 200);
    await removed.arrayBuffer();
    const again = await openSession(server);
    assert.ok(again.id);
    const full = await post(server, initializeBody);
    assert.equal(full.status, 503);
    await full.arrayBuffer();
  });
});

test('idle sessions expire after session_idle_timeout_ms; active ones and ones with an open stream do not', async () => {
  await withServer({ http: { session_idle_timeout_ms: 1000 } }, async (server) => {
    const idle = await openSession(server);
    const active = await openSession(server);
    const streaming = await openSession(server);
    const stream = await openGetStream(server, streaming);
    const deadline = Date.now() + 2600;
    while (Date.now() < deadline) {
      assert.deepEqual((await rpcJson(server, active, 'ping')).result, {});
      await sleep(250);
    }
    const expired = await post(server, request('ping'), { session: idle.id, version: idle.version });
    assert.equal(expired.status, 404, 'the idle session expired');
    await expired.arrayBuffer();
    assert.deepEqual((await rpcJson(server, active, 'ping')).result, {});
    assert.deepEqual((await rpcJson(server, streaming, 'ping')).result, {});
    assert.equal(stream.done, false, 'the open stream was left alone');
    await stream.close();
  });
});

test('a client that vanishes with its GET stream open does not keep its session alive forever', async () => {
  await withServer({ http: { session_idle_timeout_ms: 1000 } }, async (server) => {
    const session = await openSession(server);
    const stream = await openGetStream(server, session);
    await stream.waitFor(() => true, undefined, 'the priming event');
    // A quiet open stream gets heartbeats (SSE comments) while its client is there.
    await sleep(800);
    assert.match(stream.raw, /^:/m, 'a heartbeat comment arrived');
    assert.equal(stream.events.length, 1, 'heartbeats are not events');
    await stream.close();
    await eventually(async () => (await (await fetch(`${server.origin}/healthz`)).json()).sessions === 0, {
      timeoutMs: 6000 * SLOW,
      intervalMs: 200,
      what: 'the abandoned session to expire',
    });
    const gone = await get(server, { session: session.id, version: session.version });
    assert.equal(gone.status, 404);
    await gone.arrayBuffer();
  });
});

test('a slowloris client that trickles its headers is disconnected after header_timeout_ms', async () => {
  await withServer({ http: { header_timeout_ms: 500 } }, async (server) => {
    const lines = [`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`];
    for (let i = 0; i < 60; i++) lines.push(`X-Slow-${i}: ${'a'.repeat(10)}\r\n`);
    const started = Date.now();
    const result = await rawExchange(server, lines, { gapMs: 100, timeoutMs: 6000 });
    const took = Date.now() - started;
    assert.equal(result.closed, true, 'the server closed the connection');
    assert.ok(took >= 400, `not before the timeout (${took} ms)`);
    assert.ok(took < 1500 * SLOW, `soon after header_timeout_ms (${took} ms)`);
    assert.equal(statusOf(result.text), 408, 'the client is told it was too slow');
    assert.match(result.text, /header_timeout_ms/);

    // A connection that sends nothing at all is closed without an answer.
    const silentStart = Date.now();
    const silent = await rawExchange(server, [], { timeoutMs: 6000 });
    assert.equal(silent.closed, true);
    assert.ok(Date.now() - silentStart < 1500 * SLOW);

    // Meanwhile the server serves everyone else.
    const health = await fetch(`${server.origin}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });
});

test('a body that arrives too slowly is cut off after read_timeout_ms', async () => {
  await withServer({ http: { read_timeout_ms: 500 } }, async (server) => {
    const head =
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
      'Accept: application/json\r\nContent-Length: 200\r\n\r\n{"jsonrpc":';
    const started = Date.now();
    const result = await rawExchange(server, head, { timeoutMs: 5000 });
    const took = Date.now() - started;
    assert.equal(result.closed, true, 'the server closed the connection');
    assert.ok(took >= 400 && took < 1500 * SLOW, `after read_timeout_ms (${took} ms)`);
    assert.equal(statusOf(result.text), 408, `answered ${result.text.slice(0, 100)}`);
    assert.match(result.text, /read_timeout_ms/);
    const health = await fetch(`${server.origin}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });
});

test('plugin routes: JSON and text answers, path parameters, status codes, bad JSON is 400', async () => {
  await withServer(async (server) => {
    const counter = await fetch(`${server.origin}/api/v1/interop_probe/counter`);
    assert.equal(counter.status, 200);
    assert.match(counter.headers.get('content-type'), /application\/json/);
    assert.deepEqual(await counter.json(), { counter: 0 });
    const text = await fetch(`${server.origin}/api/v1/interop_probe/counter?format=text`);
    assert.match(text.headers.get('content-type'), /text\/plain/);
    assert.equal(await text.text(), '0');

    const echo = await fetch(`${server.origin}/api/v1/interop_probe/echo/hello`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    assert.equal(echo.status, 201);
    assert.deepEqual(await echo.json(), { word: 'hello', body: { a: [1, 2] } });

    const malformed = await fetch(`${server.origin}/api/v1/interop_probe/echo/x`, { method: 'POST', body: '{"a":' });
    assert.equal(malformed.status, 400);
    assert.match((await malformed.json()).error, /not valid JSON/);
    const wrongShape = await fetch(`${server.origin}/api/v1/interop_probe/echo/x`, { method: 'POST', body: '[1]' });
    assert.equal(wrongShape.status, 422);
    assert.match((await wrongShape.json()).error, /JSON object/);
    const wrongMethod = await fetch(`${server.origin}/api/v1/interop_probe/counter`, { method: 'DELETE' });
    assert.equal(wrongMethod.status, 404);
    await wrongMethod.arrayBuffer();
  });
});

test('path aliases: a path outside /api/v1 answered by a plugin route, behind the same auth', async () => {
  const token = 'alias-test-token-0123456789';
  const http = { path_aliases: { '/probe-counter': '/api/v1/interop_probe/counter' }, bearer_tokens: [token] };
  await withServer({ http }, async (server) => {
    const refused = await fetch(`${server.origin}/probe-counter`);
    assert.equal(refused.status, 401);
    await refused.arrayBuffer();
    const counter = await fetch(`${server.origin}/probe-counter?format=text`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(counter.status, 200);
    assert.equal(await counter.text(), '0');
    // Giving path_aliases replaces the default map, so /metrics is no longer an alias.
    const metrics = await fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(metrics.status, 404);
    assert.match((await metrics.json()).error, /no such path/);
  });
  await withServer(async (server) => {
    // The default alias points at the metrics plugin, which this server does not load.
    const metrics = await fetch(`${server.origin}/metrics`);
    assert.equal(metrics.status, 404);
    assert.match((await metrics.json()).error, /no route GET \/api\/v1\/metrics\/prometheus/);
  });
});

test('unknown routes are 404: /api/v1 without a matching plugin route, and other paths', async () => {
  await withServer(async (server) => {
    for (const path of ['/api/v1/nope', '/api/v1/conformance_fixture/anything', '/api/v1/', '/', '/mcp/extra', '/healthz/x']) {
      const response = await fetch(`${server.origin}${path}`);
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });
});

test('CORS: a preflight from a cors_origins origin gets Access-Control-Allow-Origin, other origins do not', async () => {
  const app = 'https://app.example.com';
  await withServer({ http: { cors_origins: [app], bearer_tokens: ['cors-test-token-0123456789'] } }, async (server) => {
    const preflight = await fetch(`${server.origin}/api/v1/conformance_fixture/items`, {
      method: 'OPTIONS',
      headers: { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    assert.ok([200, 204].includes(preflight.status), `preflight answered ${preflight.status}`);
    assert.equal(preflight.headers.get('access-control-allow-origin'), app);
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers'), /Authorization/i);
    assert.match(preflight.headers.get('vary') ?? '', /Origin/);
    await preflight.arrayBuffer();

    // An actual request from that origin carries the header too, even when it fails.
    const unauthorized = await fetch(`${server.origin}/api/v1/conformance_fixture/items`, { headers: { origin: app } });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('access-control-allow-origin'), app);
    await unauthorized.arrayBuffer();
    const missing = await fetch(`${server.origin}/api/v1/conformance_fixture/items`, {
      headers: { origin: app, authorization: 'Bearer cors-test-token-0123456789' },
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('access-control-allow-origin'), app);
    await missing.arrayBuffer();

    // An origin outside both lists is refused; a loopback origin is allowed but gets no CORS grant.
    const foreign = await fetch(`${server.origin}/api/v1/conformance_fixture/items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://other.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    await foreign.arrayBuffer();
    const local = await fetch(`${server.origin}/api/v1/conformance_fixture/items`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    assert.ok(local.status < 400);
    assert.equal(local.headers.get('access-control-allow-origin'), null);
    await local.arrayBuffer();
  });
});

test('CORS on /mcp: a browser front end on a cors_origins origin can preflight, initialize and read the session id', async () => {
  const app = 'https://app.example.com';
  await withServer({ http: { cors_origins: [app] } }, async (server) => {
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: {
        origin: app,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, mcp-session-id, mcp-protocol-version',
      },
    });
    assert.ok([200, 204].includes(preflight.status), `preflight answered ${preflight.status}`);
    assert.equal(preflight.headers.get('access-control-allow-origin'), app);
    for (const header of ['Content-Type', 'Mcp-Session-Id', 'MCP-Protocol-Version'])
      assert.match(preflight.headers.get('access-control-allow-headers'), new RegExp(header, 'i'));
    await preflight.arrayBuffer();

    const initialized = await post(server, initializeBody, { headers: { origin: app } });
    assert.equal(initialized.status, 200);
    assert.equal(initialized.headers.get('access-control-allow-origin'), app);
    assert.match(initialized.headers.get('access-control-expose-headers'), /Mcp-Session-Id/i);
    const session = { id: initialized.headers.get('mcp-session-id'), version: LATEST };
    await initialized.arrayBuffer();
    // SSE responses and errors carry the grant too.
    const stream = await post(server, request('tools/call', { name: 'test_simple_text' }, 'c'), {
      session: session.id,
      version: LATEST,
      headers: { origin: app },
    });
    assert.equal(stream.headers.get('access-control-allow-origin'), app);
    assert.match(await stream.text(), /simple text response/);
    const missing = await post(server, request('ping'), { session: 'nope', headers: { origin: app } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('access-control-allow-origin'), app);
    await missing.arrayBuffer();
    // Without cors_origins membership there is no grant.
    const local = await post(server, initializeBody, { headers: { origin: 'http://localhost:3000' } });
    assert.equal(local.status, 200);
    assert.equal(local.headers.get('access-control-allow-origin'), null);
    await local.arrayBuffer();
  });
});

test('GET /healthz answers 200 with the loaded plugins and the session count', async () => {
  await withServer(async (server) => {
    await openSession(server);
    const response = await fetch(`${server.origin}/healthz`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/json/);
    const health = await response.json();
    assert.equal(health.status, 'ok');
    assert.equal(health.sessions, 1);
    assert.ok(health.version);
    const fixture = health.plugins.find((p) => p.id === 'conformance_fixture');
    assert.ok(fixture, `conformance_fixture is listed: ${JSON.stringify(health.plugins)}`);
    assert.equal(fixture.version, '1.0.0');
    assert.match(server.stdout(), new RegExp(`health: +http://127\\.0\\.0\\.1:${server.port}/healthz`));
  });
});

test('with bearer auth, /healthz answers anyone but shows what runs only to a client with a token', async () => {
  const token = 'health-test-token-0123456789';
  await withServer({ http: { bearer_tokens: [token] } }, async (server) => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
      const anonymous = await fetch(`${server.origin}/healthz`, { headers });
      assert.equal(anonymous.status, 200);
      assert.deepEqual(await anonymous.json(), { status: 'ok' });
    }
    const authorized = await fetch(`${server.origin}/healthz`, { headers: { authorization: `Bearer ${token}` } });
    const health = await authorized.json();
    assert.equal(health.status, 'ok');
    assert.equal(health.sessions, 0);
    assert.ok(health.plugins.some((p) => p.id === 'conformance_fixture'));
  });
});
