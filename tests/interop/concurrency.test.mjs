// Concurrency: a slow call in flight blocks neither ping nor other calls, and responses may come
// back in a different order than the requests went out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { textOf, withServer } from './helpers.mjs';

// Starts a probe_slow call; resolves `started` once the plugin reported its first step.
function startSlow(client, steps, delayMs = 20) {
  let started;
  const firstStep = new Promise((resolve) => (started = resolve));
  const state = { done: false, finishedAt: 0 };
  const call = client
    .callTool({ name: 'probe_slow', arguments: { steps, delay_ms: delayMs } }, undefined, { onprogress: started })
    .then((result) => {
      state.done = true;
      state.finishedAt = performance.now();
      return result;
    });
  return { call, firstStep, state };
}

describe('concurrency', () => {
  test('ping is answered while a slow call is in flight', async () => {
    await withServer(async ({ client }) => {
      const slow = startSlow(client, 40); // about 800 ms
      await slow.firstStep;
      const before = performance.now();
      await client.ping();
      const pingMs = performance.now() - before;
      assert.equal(slow.state.done, false, 'the slow call is still running when ping returns');
      assert.ok(pingMs < 300, `ping took ${pingMs.toFixed(0)} ms`);
      assert.equal(textOf(await slow.call), 'counted to 40');
    });
  });

  test('a quick call overtakes a slow one: responses arrive out of request order', async () => {
    await withServer(async ({ client, received }) => {
      const slow = startSlow(client, 30);
      await slow.firstStep;
      const quick = await client.callTool({ name: 'test_simple_text', arguments: {} });
      const quickAt = performance.now();
      assert.equal(quick.content[0].text, 'This is a simple text response for testing.');
      assert.equal(slow.state.done, false, 'the quick call finished first');
      await slow.call;
      assert.ok(slow.state.finishedAt > quickAt);

      // On the wire: the later request's response precedes the earlier one's.
      const responses = received.filter((m) => m.id !== undefined && m.result?.content);
      const ids = responses.map((m) => m.id);
      assert.ok(ids.length >= 2);
      assert.ok(ids.indexOf(Math.max(...ids)) < ids.indexOf(Math.min(...ids)), `response order ${ids}`);
    });
  });

  test('two slow calls run side by side, not one after the other', async () => {
    await withServer(async ({ client }) => {
      const started = performance.now();
      const [a, b] = await Promise.all([
        client.callTool({ name: 'probe_slow', arguments: { steps: 15, delay_ms: 40 } }),
        client.callTool({ name: 'probe_slow', arguments: { steps: 15, delay_ms: 40 } }),
      ]);
      const elapsed = performance.now() - started;
      assert.equal(textOf(a), 'counted to 15');
      assert.equal(textOf(b), 'counted to 15');
      // Each takes about 600 ms; in sequence they would take 1200 ms.
      assert.ok(elapsed < 1100, `both took ${elapsed.toFixed(0)} ms together`);
    });
  });

  test('many concurrent calls each get their own answer', async () => {
    await withServer(async ({ client }) => {
      const calls = Array.from({ length: 40 }, (_, i) =>
        client.callTool({ name: 'probe_structured', arguments: { a: i, b: 1000 } }),
      );
      const pings = Array.from({ length: 10 }, () => client.ping());
      const results = await Promise.all(calls);
      await Promise.all(pings);
      results.forEach((result, i) => assert.deepEqual(result.structuredContent, { sum: i + 1000, product: i * 1000 }));
    });
  });
});
