// resumability.test.mjs: SSE resumption. A client that loses a POST stream mid-call gets every
// missed event exactly once with GET + Last-Event-ID, a disconnect never cancels the call, the
// GET stream carries server-initiated messages and resumes the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  eventually,
  get,
  hasProbe,
  openGetStream,
  openSession,
  postStream,
  request,
  rpcJson,
  SLOW,
  SseReader,
  withServer,
} from './helpers.mjs';

const probe = { skip: !hasProbe() && 'interop_probe is not built' };

// "<stream>_<seq>" -> [stream, seq]
function parseId(id) {
  const match = /^(\d+)_(\d+)$/.exec(id);
  assert.ok(match, `event id ${id} has the form <stream>_<seq>`);
  return [Number(match[1]), Number(match[2])];
}

async function probeStats(server, session) {
  const answer = await rpcJson(server, session, 'tools/call', { name: 'probe_stats', arguments: {} });
  return JSON.parse(answer.result.content[0].text);
}

// Starts probe_slow on an SSE stream and aborts the connection once `seen` progress events
// arrived. Returns { before (the reader), lastId, controller }.
async function startAndDrop(server, session, id, { steps, delayMs, seen }) {
  const controller = new AbortController();
  const before = await postStream(
    server,
    session,
    request('tools/call', { name: 'probe_slow', arguments: { steps, delay_ms: delayMs }, _meta: { progressToken: id } }, id),
    { signal: controller.signal },
  );
  await before.waitFor(
    () => before.messages.filter((m) => m.method === 'notifications/progress').length >= seen,
    undefined,
    `${seen} progress notifications`,
  );
  controller.abort();
  await before.ended;
  const lastId = before.events.at(-1).id;
  return { before, lastId };
}

// Every progress value and the response, across the streams, each exactly once and in order.
function assertComplete(id, steps, ...readers) {
  const messages = readers.flatMap((r) => r.messages);
  const progress = messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
  assert.deepEqual(progress, Array.from({ length: steps }, (_, i) => i + 1), 'every progress value exactly once');
  const responses = messages.filter((m) => m.id === id);
  assert.equal(responses.length, 1, 'the response exactly once');
  assert.equal(responses[0].result.content[0].text, `counted to ${steps}`);
  const ids = readers.flatMap((r) => r.events.map((e) => e.id));
  assert.equal(new Set(ids).size, ids.length, `no event id twice: ${ids}`);
}

test('a dropped POST stream resumes with GET + Last-Event-ID: every missed event once, then the result', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const steps = 30;
    const { before, lastId } = await startAndDrop(server, session, 'drop1', { steps, delayMs: 20, seen: 3 });
    assert.ok(before.messages.length < steps, 'the drop happened mid-call');
    // The call keeps running without a reader and completes: a disconnect is not a cancellation.
    await eventually(async () => (await probeStats(server, session)).last?.finished, { what: 'probe_slow to finish' });
    const stats = await probeStats(server, session);
    assert.equal(stats.completed, 1);
    assert.equal(stats.cancelled, 0);
    assert.equal(stats.last.done, steps);

    const after = await openGetStream(server, session, { lastEventId: lastId });
    await after.waitForResponse('drop1');
    assert.equal((await after.ended).error, undefined, 'the resumed stream ends after the response');
    assertComplete('drop1', steps, before, after);
    const [stream, lastSeq] = parseId(lastId);
    for (const event of after.events) {
      const [s, seq] = parseId(event.id);
      assert.equal(s, stream, 'the resumed stream is the same stream');
      assert.ok(seq > lastSeq, `event ${event.id} comes after ${lastId}`);
    }
  });
});

test('resuming while the call still runs replays what was missed, then goes on live', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const steps = 25;
    const { before, lastId } = await startAndDrop(server, session, 'drop2', { steps, delayMs: 60, seen: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await openGetStream(server, session, { lastEventId: lastId });
    await after.waitForResponse('drop2', 10000 * SLOW);
    await after.ended;
    assertComplete('drop2', steps, before, after);
    // Part of it was live: the call was still running when the stream resumed.
    const stats = await probeStats(server, session);
    assert.equal(stats.completed, 1);
    assert.equal(stats.cancelled, 0);
  });
});

test('a client that lost the resumed stream right after its first event still gets everything', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const steps = 12;
    const { before, lastId } = await startAndDrop(server, session, 'drop3', { steps, delayMs: 30, seen: 2 });
    await eventually(async () => (await probeStats(server, session)).last?.finished, { what: 'probe_slow to finish' });
    // First resume: the client receives only the first event, then loses the connection again.
    const first = await openGetStream(server, session, { lastEventId: lastId });
    await first.ended;
    const firstEvent = first.events[0];
    assert.ok(firstEvent, 'the resumed stream sent something');
    const partial = { messages: firstEvent.message ? [firstEvent.message] : [], events: [firstEvent] };
    // Second resume from the only id that client saw.
    const second = await openGetStream(server, session, { lastEventId: firstEvent.id });
    await second.ended;
    assertComplete('drop3', steps, before, partial, second);
  });
});

test('resuming the same stream twice from the same id replays the same events', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const { before, lastId } = await startAndDrop(server, session, 'drop4', { steps: 8, delayMs: 20, seen: 1 });
    await eventually(async () => (await probeStats(server, session)).last?.finished, { what: 'probe_slow to finish' });
    const one = await openGetStream(server, session, { lastEventId: lastId });
    await one.ended;
    const two = await openGetStream(server, session, { lastEventId: lastId });
    await two.ended;
    assertComplete('drop4', 8, before, one);
    assertComplete('drop4', 8, before, two);
    const dataOf = (reader) => reader.events.filter((e) => e.message).map((e) => `${e.id} ${e.data}`);
    assert.deepEqual(dataOf(two), dataOf(one));
  });
});

test('a dropped conformance tool stream (test_tool_with_logging) resumes with the rest of the logs and the result', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const controller = new AbortController();
    const before = await postStream(
      server,
      session,
      request('tools/call', { name: 'test_tool_with_logging', arguments: {} }, 'log1'),
      { signal: controller.signal },
    );
    await before.waitForMessage((m) => m.method === 'notifications/message', undefined, 'the first log');
    controller.abort();
    await before.ended;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await openGetStream(server, session, { lastEventId: before.events.at(-1).id });
    await after.waitForResponse('log1');
    const logs = [...before.messages, ...after.messages]
      .filter((m) => m.method === 'notifications/message')
      .map((m) => m.params.data);
    assert.deepEqual(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
    assert.equal(after.messages.at(-1).result.content[0].text, 'Tool with logging executed successfully');
  });
});

test('test_reconnection: the POST stream closes after the priming event; GET + Last-Event-ID brings the result', async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    const stream = await postStream(server, session, request('tools/call', { name: 'test_reconnection' }, 'rc'));
    assert.equal((await stream.ended).error, undefined);
    assert.equal(stream.events.length, 1, `only the priming event: ${stream.describe()}`);
    assert.equal(stream.events[0].data, '');
    const resumed = await openGetStream(server, session, { lastEventId: stream.events[0].id });
    const answer = await resumed.waitForResponse('rc');
    assert.match(answer.result.content[0].text, /^Reconnection test completed successfully/);
    await resumed.ended;
  });
});

test('a fresh GET stream (no Last-Event-ID) first gets what was sent while no GET stream was open', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    await rpcJson(server, session, 'resources/subscribe', { uri: 'probe://counter' });
    await rpcJson(server, session, 'tools/call', { name: 'probe_touch_resource', arguments: {} });
    await rpcJson(server, session, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_f1' } });
    const first = await openGetStream(server, session);
    await first.waitFor(() => first.messages.length >= 2, undefined, 'the two notifications sent before the GET');
    assert.deepEqual(
      first.messages.map((m) => m.method),
      ['notifications/resources/updated', 'notifications/tools/list_changed'],
    );
    await first.close();

    // Once delivered, they are not sent again to the next fresh GET.
    const second = await openGetStream(server, session);
    await new Promise((resolve) => setTimeout(resolve, 200 * SLOW));
    assert.deepEqual(second.messages, []);
    await second.close();
  });
});

test('the GET stream carries server-initiated messages and resumes after Last-Event-ID', probe, async () => {
  await withServer(async (server) => {
    const session = await openSession(server);
    await rpcJson(server, session, 'resources/subscribe', { uri: 'probe://counter' });
    const controller = new AbortController();
    const live = await openGetStream(server, session, { signal: controller.signal });
    await rpcJson(server, session, 'tools/call', { name: 'probe_touch_resource', arguments: {} });
    await rpcJson(server, session, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_g1' } });
    await live.waitFor(() => live.messages.length >= 2, undefined, 'two notifications');
    assert.deepEqual(
      live.messages.map((m) => m.method),
      ['notifications/resources/updated', 'notifications/tools/list_changed'],
    );
    assert.equal(live.messages[0].params.uri, 'probe://counter');
    const lastId = live.events.at(-1).id;
    controller.abort();
    await live.ended;

    // While nobody listens, more messages are buffered...
    await rpcJson(server, session, 'tools/call', { name: 'probe_touch_resource', arguments: {} });
    await rpcJson(server, session, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_g2' } });
    await rpcJson(server, session, 'tools/call', { name: 'probe_touch_resource', arguments: {} });
    // ...and replayed exactly once to the client that resumes.
    const resumed = await openGetStream(server, session, { lastEventId: lastId });
    await resumed.waitFor(() => resumed.messages.length >= 3, undefined, 'three replayed notifications');
    await rpcJson(server, session, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_g3' } });
    await resumed.waitFor(() => resumed.messages.length >= 4, undefined, 'the live notification');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      resumed.messages.map((m) => m.method),
      [
        'notifications/resources/updated',
        'notifications/tools/list_changed',
        'notifications/resources/updated',
        'notifications/tools/list_changed',
      ],
    );
    const ids = [...live.events, ...resumed.events].map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, `no event id twice: ${ids}`);
    await resumed.close();
  });
});

test('Last-Event-ID naming an unknown stream falls back to the standalone stream; the session still expires', probe, async () => {
  await withServer({ http: { session_idle_timeout_ms: 1000 } }, async (server) => {
    const session = await openSession(server);
    const other = await openSession(server);
    const controller = new AbortController();
    const response = await get(server, {
      session: session.id,
      version: session.version,
      lastEventId: '999_3',
      signal: controller.signal,
    });
    const stream = new SseReader(response);
    await stream.waitFor(() => true, undefined, 'the priming event');
    // The fallback stream is the standalone one: it carries server-initiated messages.
    await rpcJson(server, other, 'tools/call', { name: 'probe_add_tool', arguments: { name: 'probe_dyn_f0' } });
    await stream.waitForMessage((m) => m.method === 'notifications/tools/list_changed', undefined, 'list_changed');
    controller.abort();
    await stream.ended;
    // More pushes make the server notice the dead connection; then the session is idle and
    // expires like any other, while `other` is kept alive by its requests.
    let n = 1;
    await eventually(
      async () => {
        await rpcJson(server, other, 'tools/call', { name: 'probe_add_tool', arguments: { name: `probe_dyn_f${n++}` } });
        const health = await (await fetch(`${server.origin}/healthz`)).json();
        return health.sessions === 1;
      },
      { timeoutMs: 8000 * SLOW, intervalMs: 200, what: 'the abandoned session to expire' },
    );
    const gone = await get(server, { session: session.id, version: session.version });
    assert.equal(gone.status, 404);
    await gone.arrayBuffer();
  });
});

test('a replay larger than max_pending_write_bytes reaches the resuming client, and the server stays responsive', probe, async () => {
  await withServer({ http: { max_pending_write_bytes: 65536, event_buffer: 5000 } }, async (server) => {
    const session = await openSession(server);
    // ~1000 progress events of ~150 bytes: more than 64 KiB to replay at once. (1 ms apart, so
    // that the live stream is not itself more than a reader can take before the drop.)
    const steps = 1000;
    const { before, lastId } = await startAndDrop(server, session, 'big', { steps, delayMs: 1, seen: 1 });
    await eventually(async () => (await probeStats(server, session)).last?.finished, { what: 'probe_slow to finish' });
    const resumed = await openGetStream(server, session, { lastEventId: lastId });
    const outcome = await Promise.race([
      resumed.ended.then(() => 'ended'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 5000 * SLOW)),
    ]);
    assert.equal(outcome, 'ended', 'the resumed stream ends');
    // A client that reads is not a slow reader: the whole replay arrives, however big.
    assertComplete('big', steps, before, resumed);
    const ping = await Promise.race([
      rpcJson(server, session, 'ping'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the session hangs')), 5000 * SLOW)),
    ]);
    assert.deepEqual(ping.result, {});
    const other = await openSession(server);
    assert.deepEqual((await rpcJson(server, other, 'ping')).result, {});
  });
});

test('a single response larger than max_pending_write_bytes reaches a client that reads it', async () => {
  await withServer({ http: { max_pending_write_bytes: 65536, max_body_bytes: 1048576 } }, async (server) => {
    const session = await openSession(server);
    const name = 'n'.repeat(300000);
    // The fixture echoes its arguments: a ~300 kB result on the request's SSE stream.
    const stream = await postStream(
      server,
      session,
      request('tools/call', { name: 'json_schema_2020_12_tool', arguments: { name } }, 'large'),
    );
    const answer = await stream.waitForResponse('large');
    assert.equal(answer.result.content[0].text, `Received: ${JSON.stringify({ name })}`);
    assert.equal((await stream.ended).error, undefined);
  });
});
