// sdk_client.test.mjs: the official TypeScript SDK Client over StreamableHTTPClientTransport
// drives the real binary: initialize, tools, progress and logging on the request's own SSE
// stream, sampling and elicitation answered over HTTP, resource updates, and SSE reconnection.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { connectClient, eventually, hasProbe, LATEST, textOf, withServer } from './helpers.mjs';

// The events of the SSE response to the POST that carried request `id`.
function streamOf(connection, id) {
  const exchange = connection.exchanges.find((e) => e.method === 'POST' && e.body?.id === id && e.body?.method);
  assert.ok(exchange, `no POST carried request ${id}`);
  assert.ok(exchange.sse, `request ${id} was not answered with an SSE stream (${exchange.contentType})`);
  return exchange.sse;
}

// The id the SDK gave the last tools/call it sent.
function lastCallId(connection, name) {
  const calls = connection.exchanges.filter((e) => e.body?.method === 'tools/call' && e.body.params.name === name);
  assert.ok(calls.length > 0, `no tools/call ${name} was sent`);
  return calls.at(-1).body.id;
}

test('initialize, list tools and call one; every later request carries the session and version headers', async () => {
  await withServer(async (server) => {
    const connection = await connectClient(server);
    try {
      const { client, transport } = connection;
      assert.equal(client.getServerVersion().name, 'switchboard');
      assert.equal(transport.protocolVersion, LATEST);
      assert.match(transport.sessionId, /^[\x21-\x7e]+$/);

      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of ['test_simple_text', 'test_tool_with_logging', 'test_tool_with_progress', 'test_reconnection'])
        assert.ok(names.includes(name), `${name} is listed`);
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      assert.equal(textOf(result), 'This is a simple text response for testing.');
      assert.notEqual(result.isError, true);

      const afterInit = connection.exchanges.filter((e) => !(e.body?.method === 'initialize'));
      assert.ok(afterInit.length >= 3);
      for (const exchange of afterInit) {
        assert.equal(exchange.requestHeaders.get('mcp-session-id'), transport.sessionId);
        assert.equal(exchange.requestHeaders.get('mcp-protocol-version'), LATEST);
        assert.ok(exchange.status < 400, `${exchange.method} ${exchange.body?.method ?? ''} -> ${exchange.status}`);
      }
      assert.deepEqual(connection.errors, []);
    } finally {
      await connection.close();
    }
  });
});

test('progress and log notifications travel on the request stream, before its result', async () => {
  await withServer(async (server) => {
    const logs = [];
    const connection = await connectClient(server, {
      setup: (client) =>
        client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params.data)),
    });
    try {
      const { client } = connection;
      const progress = [];
      const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
        onprogress: (p) => progress.push([p.progress, p.total]),
      });
      assert.deepEqual(progress, [
        [0, 100],
        [50, 100],
        [100, 100],
      ]);
      const progressStream = streamOf(connection, lastCallId(connection, 'test_tool_with_progress'));
      await progressStream.ended;
      const kinds = progressStream.messages.map((m) => m.method ?? 'result');
      assert.deepEqual(kinds, [
        'notifications/progress',
        'notifications/progress',
        'notifications/progress',
        'result',
      ]);
      // The fixture echoes the progress token the SDK chose.
      const token = progressStream.messages[0].params.progressToken;
      assert.equal(textOf(result), String(token));

      const logged = await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      assert.equal(textOf(logged), 'Tool with logging executed successfully');
      assert.deepEqual(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
      const logStream = streamOf(connection, lastCallId(connection, 'test_tool_with_logging'));
      await logStream.ended;
      assert.deepEqual(
        logStream.messages.map((m) => m.method ?? 'result'),
        ['notifications/message', 'notifications/message', 'notifications/message', 'result'],
      );
      assert.deepEqual(connection.errors, []);
    } finally {
      await connection.close();
    }
  });
});

test('sampling: the client answers the server request over HTTP and the tool uses the answer', async () => {
  await withServer(async (server) => {
    const requests = [];
    const connection = await connectClient(server, {
      capabilities: { sampling: {} },
      setup: (client) =>
        client.setRequestHandler(CreateMessageRequestSchema, (request) => {
          requests.push(request.params);
          return { role: 'assistant', content: { type: 'text', text: 'Paris, of course' }, model: 'test-model' };
        }),
    });
    try {
      const result = await connection.client.callTool({
        name: 'test_sampling',
        arguments: { prompt: 'What is the capital of France?' },
      });
      assert.equal(textOf(result), 'LLM response: Paris, of course');
      assert.equal(requests.length, 1);
      assert.equal(requests[0].messages[0].content.text, 'What is the capital of France?');
      // The sampling request came on the tools/call stream; the client POSTed its answer (202).
      const stream = streamOf(connection, lastCallId(connection, 'test_sampling'));
      await stream.ended;
      const sampling = stream.messages.find((m) => m.method === 'sampling/createMessage');
      assert.ok(sampling, 'sampling/createMessage arrived on the request stream');
      // (The 202 may come back after the tool's result, so wait for the exchange.)
      const answer = await eventually(
        () => connection.exchanges.find((e) => e.body?.id === sampling.id && e.body.result),
        { what: 'the client to POST the sampling result' },
      );
      assert.equal(answer.status, 202);
      assert.deepEqual(connection.errors, []);
    } finally {
      await connection.close();
    }
  });
});

test('elicitation: accept and decline both reach the tool', async () => {
  await withServer(async (server) => {
    let action = 'accept';
    const messages = [];
    const connection = await connectClient(server, {
      capabilities: { elicitation: {} },
      setup: (client) =>
        client.setRequestHandler(ElicitRequestSchema, (request) => {
          messages.push(request.params.message);
          return action === 'accept' ? { action, content: { response: 'yes please' } } : { action };
        }),
    });
    try {
      const accepted = await connection.client.callTool({
        name: 'test_elicitation',
        arguments: { message: 'Shall we proceed?' },
      });
      assert.equal(textOf(accepted), 'User response: action=accept, content={"response":"yes please"}');
      action = 'decline';
      const declined = await connection.client.callTool({
        name: 'test_elicitation',
        arguments: { message: 'And now?' },
      });
      assert.equal(textOf(declined), 'User response: action=decline, content={}');
      assert.deepEqual(messages, ['Shall we proceed?', 'And now?']);
      assert.deepEqual(connection.errors, []);
    } finally {
      await connection.close();
    }
  });
});

test('resource subscriptions and list changes reach the client on the GET stream', { skip: !hasProbe() && 'interop_probe is not built' }, async () => {
  await withServer(async (server) => {
    const updates = [];
    let listChanges = 0;
    const connection = await connectClient(server, {
      setup: (client) => {
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => listChanges++);
      },
    });
    try {
      const { client } = connection;
      // The standalone stream must be open before the server has something to push.
      await eventually(() => connection.exchanges.find((e) => e.method === 'GET' && e.sse), { what: 'the GET stream' });
      await client.subscribeResource({ uri: 'probe://counter' });
      assert.equal(textOf(await client.callTool({ name: 'probe_touch_resource', arguments: {} })), 'counter is 1');
      await eventually(() => updates.length === 1, { what: 'notifications/resources/updated' });
      assert.deepEqual(updates, ['probe://counter']);
      const read = await client.readResource({ uri: 'probe://counter' });
      assert.equal(read.contents[0].text, '1');

      await client.unsubscribeResource({ uri: 'probe://counter' });
      await client.callTool({ name: 'probe_touch_resource', arguments: {} });
      await client.callTool({ name: 'probe_add_tool', arguments: { name: 'probe_dyn_sdk' } });
      await eventually(() => listChanges > 0, { what: 'notifications/tools/list_changed' });
      assert.deepEqual(updates, ['probe://counter'], 'no update after unsubscribing');
      const getStream = connection.exchanges.find((e) => e.method === 'GET' && e.sse).sse;
      const pushed = getStream.messages.map((m) => m.method);
      assert.ok(pushed.includes('notifications/resources/updated'), `GET stream carried ${pushed}`);
      assert.ok(pushed.includes('notifications/tools/list_changed'), `GET stream carried ${pushed}`);
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'probe_dyn_sdk'));
      assert.deepEqual(connection.errors, []);
    } finally {
      await connection.close();
    }
  });
});

test('reconnection: the call whose stream closes early still returns its result after GET + Last-Event-ID', async () => {
  await withServer({ http: { sse_retry_ms: 100 } }, async (server) => {
    const connection = await connectClient(server, {
      reconnectionOptions: {
        initialReconnectionDelay: 100,
        maxReconnectionDelay: 1000,
        reconnectionDelayGrowFactor: 1.5,
        maxRetries: 3,
      },
    });
    try {
      const result = await connection.client.callTool({ name: 'test_reconnection', arguments: {} });
      assert.match(textOf(result), /^Reconnection test completed successfully/);
      const id = lastCallId(connection, 'test_reconnection');
      const postStream = streamOf(connection, id);
      await postStream.ended;
      // The POST stream carried the priming event only, with the retry advice.
      assert.equal(postStream.messages.length, 0, `the POST stream carried ${postStream.describe()}`);
      assert.equal(postStream.events.length, 1);
      assert.equal(postStream.events[0].retry, 100);
      const resumed = connection.exchanges.find(
        (e) => e.method === 'GET' && e.requestHeaders.get('last-event-id') === postStream.events[0].id,
      );
      assert.ok(resumed, 'the SDK resumed with GET and the priming event id');
      await resumed.sse.ended;
      assert.equal(resumed.sse.messages.filter((m) => m.id === id).length, 1, 'the result arrived once');
      assert.deepEqual(connection.errors, []);
    } finally {
      await connection.close();
    }
  });
});

test('terminateSession ends the session on the server', async () => {
  await withServer(async (server) => {
    const connection = await connectClient(server);
    const session = connection.transport.sessionId;
    const before = await (await fetch(`${server.origin}/healthz`)).json();
    assert.equal(before.sessions, 1);
    await connection.transport.terminateSession();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(response.status, 404);
    const after = await (await fetch(`${server.origin}/healthz`)).json();
    assert.equal(after.sessions, 0);
    await connection.client.close();
  });
});
