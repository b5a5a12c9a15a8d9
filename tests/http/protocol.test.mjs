// protocol.test.mjs: the Streamable HTTP rules, checked with plain fetch: session headers,
// DELETE, MCP-Protocol-Version, 202 for notifications and responses, session id syntax, priming
// events per negotiated version, event id uniqueness, and error statuses for bad requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CLIENT_INFO,
  del,
  get,
  hasProbe,
  LATEST,
  notification,
  openGetStream,
  openSession,
  post,
  postStream,
  request,
  rpcJson,
  SUPPORTED_VERSIONS,
  withServer,
} from './helpers.mjs';

const probe = { skip: !hasProbe() && 'interop_probe is not built' };

test('a request without Mcp-Session-Id is refused with 400', async () => {
  await withServer(async (server) => {
    await openSession(server);
    const response = await post(server, request('tools/list'), { version: LATEST });
    assert.equal(response.status, 400);
    assert.match((await response.json()).error, /Mcp-Session-Id/);
    const stream = await get(server, { version: LATEST });
    assert.equal(stream.status, 400);
    await stream.arrayBuffer();
    const remove = await del(server, { version: LATEST });
    assert.equal(remove.status, 400);
    await remove.arrayBuffer();
  });
});

test('an unknown session is 404 for POST, GET and DELETE', async () => {
  await withServer(async (server) => {
    const session = 'f'.repeat(32);
    for (const response of [
      await post(server, request('tools/list'), { session, version: LATEST }),
      await get(server, { session, version: LATEST }),
      await del(server, { session, version: LATEST }),
    ]) {
      assert.equal(response.status, 404);
      await response.arrayBuffer();
    }
  });
});

test('DELETE ends a session: its GET stream closes and every later request is 404', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const other = await openSession(server);
    const stream = await openGetStream(server, session);
    await stream.waitFor((e) => e.id !== undefined, undefined, 'the priming event');

    const removed = await del(server, { session: session.id, version: session.version });
    assert.equal(removed.status, 200);
    await removed.arrayBuffer();
    const ending = await stream.ended;
    assert.equal(ending.error, undefined, 'the GET stream ended cleanly');

    const afterPost = await post(server, request('ping'), { session: session.id, version: session.version });
    assert.equal(afterPost.status, 404);
    const afterGet = await get(server, { session: session.id, version: session.version });
    assert.equal(afterGet.status, 404);
    const afterDelete = await del(server, { session: session.id, version: session.version });
    assert.equal(afterDelete.status, 404);
    await Promise.all([afterPost, afterGet, afterDelete].map((r) => r.arrayBuffer()));
    // The other session is untouched.
    assert.deepEqual((await rpcJson(server, other, 'ping')).result, {});
  });
});

test('initialize negotiates each supported version, and MCP-Protocol-Version accepts exactly those', async () => {
  await withServer(async (server) => {
    for (const version of SUPPORTED_VERSIONS) {
      const session = await openSession(server, { protocolVersion: version });
      assert.equal(session.version, version);
      const response = await post(server, request('tools/list'), {
        session: session.id,
        version,
        accept: 'application/json',
      });
      assert.equal(response.status, 200, `version ${version} accepted`);
      assert.ok((await response.json()).result.tools.length > 0);
    }
    const session = await openSession(server);
    // No header at all is accepted too (the server assumes the negotiated version).
    const bare = await post(server, request('ping'), { session: session.id, accept: 'application/json' });
    assert.equal(bare.status, 200);
    await bare.arrayBuffer();
    for (const version of ['2024-11-05', '2025-11-26', '1.0', 'latest']) {
      const refused = await post(server, request('ping'), { session: session.id, version });
      assert.equal(refused.status, 400, `version ${version} refused`);
      assert.match((await refused.json()).error, /MCP-Protocol-Version/);
      const refusedGet = await get(server, { session: session.id, version });
      assert.equal(refusedGet.status, 400);
      await refusedGet.arrayBuffer();
    }
  });
});

test('POSTed notifications and responses are accepted with 202 and no body', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const options = { session: session.id, version: session.version };
    for (const message of [
      notification('notifications/roots/list_changed'),
      notification('notifications/cancelled', { requestId: 12345, reason: 'never mind' }),
      notification('notifications/unknown_to_the_server'),
      { jsonrpc: '2.0', id: 987, result: {} },
      { jsonrpc: '2.0', id: 988, error: { code: -32601, message: 'no' } },
    ]) {
      const response = await post(server, message, options);
      assert.equal(response.status, 202, JSON.stringify(message));
      assert.equal(await response.text(), '');
    }
    assert.deepEqual((await rpcJson(server, session, 'ping')).result, {});
  });
});

test('session ids are unique visible ASCII', async () => {
  await withServer(async (server) => {
    const ids = new Set();
    for (let i = 0; i < 20; i++) {
      const { id } = await openSession(server);
      assert.match(id, /^[\x21-\x7e]+$/);
      assert.ok(id.length >= 16, 'long enough to be unguessable');
      ids.add(id);
    }
    assert.equal(ids.size, 20);
  });
});

test('requests are answered as JSON or SSE as the Accept header asks', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const json = await post(server, request('tools/call', { name: 'test_simple_text', arguments: {} }, 'j1'), {
      session: session.id,
      version: session.version,
      accept: 'application/json',
    });
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type'), /^application\/json/);
    assert.equal(json.headers.get('mcp-session-id'), session.id);
    const body = await json.json();
    assert.equal(body.id, 'j1');
    assert.equal(body.result.content[0].text, 'This is a simple text response for testing.');

    const stream = await postStream(server, session, request('tools/call', { name: 'test_simple_text' }, 's1'));
    const response = await stream.waitForResponse('s1');
    assert.equal(response.result.content[0].text, 'This is a simple text response for testing.');
    assert.equal((await stream.ended).error, undefined, 'the stream ends after the response');
  });
});

test('2025-11-25: every new stream starts with a priming event (id, empty data, retry)', async () => {
  await withServer({ http: { sse_retry_ms: 1234 } }, async (server) => {
    const session = await openSession(server);
    const stream = await postStream(
      server,
      session,
      request('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p' } }, 7),
    );
    await stream.ended;
    const [first, ...rest] = stream.events;
    assert.ok(first.id, 'the priming event has an id');
    assert.equal(first.data, '', 'the priming event has an empty data field');
    assert.equal(first.retry, 1234, 'the priming event carries the retry advice');
    assert.deepEqual(
      rest.map((e) => e.message.method ?? e.message.id),
      ['notifications/progress', 'notifications/progress', 'notifications/progress', 7],
    );
    for (const event of rest) assert.ok(event.id, 'every event has an id');

    const getStream = await openGetStream(server, session);
    const priming = await getStream.waitFor(() => true, undefined, 'the priming event');
    assert.ok(priming.id);
    assert.equal(priming.data, '');
    assert.equal(priming.retry, 1234);
    await getStream.close();
  });
});

for (const version of ['2025-03-26', '2025-06-18']) {
  test(`${version}: streams carry no priming event`, async () => {
    await withServer(async (server) => {
      const session = await openSession(server, { protocolVersion: version });
      assert.equal(session.version, version);
      const stream = await postStream(
        server,
        session,
        request('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p' } }, 8),
      );
      await stream.ended;
      assert.ok(stream.events.length === 4, `got ${stream.describe()}`);
      for (const event of stream.events) assert.ok(event.message, `no event without data: ${stream.describe()}`);
      assert.equal(stream.events[0].message.method, 'notifications/progress');
      assert.equal(stream.events.at(-1).message.id, 8);
    });
  });
}

test(`2025-03-26: the GET stream's first event is the first message, not a priming event`, probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server, { protocolVersion: '2025-03-26' });
    const getStream = await openGetStream(server, session);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(getStream.events.length, 0, `nothing before a message: ${getStream.describe()}`);
    await rpcJson(server, session, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_old' } });
    const first = await getStream.waitFor(() => true, undefined, 'an event');
    assert.equal(first.message?.method, 'notifications/tools/list_changed');
    await getStream.close();
  });
});

test('event ids are unique across all streams of a session', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const getStream = await openGetStream(server, session);
    const streams = [getStream];
    for (let i = 0; i < 6; i++) {
      const name = i % 2 ? 'test_tool_with_progress' : 'test_tool_with_logging';
      streams.push(
        await postStream(
          server,
          session,
          request('tools/call', { name, arguments: {}, _meta: { progressToken: `t${i}` } }, `u${i}`),
        ),
      );
      await rpcJson(server, session, 'tools/call', { name: 'probe_add_tool', arguments: { name: `probe_dyn_u${i}` } });
    }
    await Promise.all(streams.slice(1).map((s) => s.ended));
    await getStream.waitFor((e) => getStream.messages.length >= 6, undefined, 'six list_changed notifications');
    await getStream.close();
    const ids = streams.flatMap((s) => s.events.map((e) => e.id));
    assert.ok(ids.length >= 6 * 4 + 7, `enough events (${ids.length})`);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every event has an id');
    const seen = new Set();
    for (const id of ids) {
      assert.ok(!seen.has(id), `event id ${id} is used twice`);
      seen.add(id);
    }
  });
});

test('a 2025-03-26 session may POST a JSON-RPC batch: one JSON array answers its requests', async () => {
  await withServer(async (server) => {
    const session = await openSession(server, { protocolVersion: '2025-03-26' });
    const options = { session: session.id, version: session.version };
    const mixed = await post(
      server,
      [
        request('ping', undefined, 'b1'),
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'x', progress: 1 } },
        request('tools/call', { name: 'test_simple_text', arguments: {} }, 'b2'),
        { jsonrpc: '2.0', id: 'b3', method: 42 },
      ],
      options,
    );
    assert.equal(mixed.status, 200);
    assert.match(mixed.headers.get('content-type'), /application\/json/);
    const answers = await mixed.json();
    assert.ok(Array.isArray(answers));
    const byId = Object.fromEntries(answers.map((a) => [a.id, a]));
    assert.deepEqual(Object.keys(byId).sort(), ['b1', 'b2', 'b3']);
    assert.deepEqual(byId.b1.result, {});
    assert.match(byId.b2.result.content[0].text, /simple text/i);
    assert.equal(byId.b3.error.code, -32600);

    // Only notifications: nothing to answer, 202.
    const quiet = await post(server, [{ jsonrpc: '2.0', method: 'notifications/initialized' }], options);
    assert.equal(quiet.status, 202);
    await quiet.arrayBuffer();
    // An empty batch is not a request.
    const empty = await post(server, [], options);
    assert.equal(empty.status, 400);
    assert.equal((await empty.json()).error.code, -32600);
    // A request id already in flight gets its error in the array; the others are answered.
    const duplicate = await post(server, [request('ping', undefined, 'd1'), request('ping', undefined, 'd1')], options);
    const duplicateAnswers = await duplicate.json();
    assert.equal(duplicateAnswers.length, 2);
    assert.ok(duplicateAnswers.some((a) => a.id === 'd1' && a.result));
    assert.ok(duplicateAnswers.some((a) => a.id === 'd1' && a.error?.message.includes('already in flight')));
  });
});

test('bad requests get their statuses: 415, 406, 400 for invalid JSON (-32700), batches and invalid messages', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const options = { session: session.id, version: session.version };

    const textPlain = await post(server, request('ping'), { ...options, contentType: 'text/plain' });
    assert.equal(textPlain.status, 415);
    await textPlain.arrayBuffer();
    const notAcceptable = await post(server, request('ping'), { ...options, accept: 'text/html' });
    assert.equal(notAcceptable.status, 406);
    await notAcceptable.arrayBuffer();
    const getHtml = await get(server, { ...options, headers: { accept: 'text/html' } });
    assert.equal(getHtml.status, 406);
    await getHtml.arrayBuffer();

    for (const body of ['{"jsonrpc":"2.0","id":1,"method":', 'not json at all', '', '\u0000\u0001']) {
      const response = await post(server, body, options);
      assert.equal(response.status, 400, JSON.stringify(body));
      const answer = await response.json();
      assert.equal(answer.error.code, -32700, JSON.stringify(answer));
      assert.equal(answer.id, null);
    }
    const noSession = await post(server, '{"broken', {});
    assert.equal(noSession.status, 400);
    assert.equal((await noSession.json()).error.code, -32700);

    const batch = await post(server, [request('ping'), request('ping')], options);
    assert.equal(batch.status, 400);
    const batchError = (await batch.json()).error;
    assert.equal(batchError.code, -32600);
    assert.match(batchError.message, /only in sessions of protocol 2025-03-26/);
    const invalid = await post(server, { jsonrpc: '2.0', id: 3, method: 42 }, options);
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).error.code, -32600);

    const put = await fetch(server.url, { method: 'PUT', headers: { 'mcp-session-id': session.id } });
    assert.equal(put.status, 405);
    assert.match(put.headers.get('allow'), /POST/);
    await put.arrayBuffer();

    // The session still works after all of that.
    assert.deepEqual((await rpcJson(server, session, 'ping')).result, {});
  });
});

test('initialize with a second initialize in the same session is refused, the session survives', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const again = await post(
      server,
      request('initialize', { protocolVersion: LATEST, capabilities: {}, clientInfo: CLIENT_INFO }, 'again'),
      { session: session.id, version: session.version, accept: 'application/json' },
    );
    assert.equal(again.status, 200);
    const body = await again.json();
    assert.equal(body.error?.code, -32600);
    assert.deepEqual((await rpcJson(server, session, 'ping')).result, {});
  });
});

test('a request id already in flight on the session is refused with 409', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const call = request('tools/call', { name: 'probe_slow', arguments: { steps: 5, delay_ms: 100 } }, 'dup');
    const first = await postStream(server, session, call);
    const second = await post(server, call, { session: session.id, version: session.version });
    assert.equal(second.status, 409);
    assert.equal((await second.json()).error.code, -32600);
    const answer = await first.waitForResponse('dup');
    assert.equal(answer.result.content[0].text, 'counted to 5');
  });
});
