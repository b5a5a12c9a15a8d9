// Progress notifications and cancellation that reaches the plugin and stops its work.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { eventually, textOf, withServer } from './helpers.mjs';

async function slowStats(client) {
  return JSON.parse(textOf(await client.callTool({ name: 'probe_stats', arguments: {} })));
}

describe('progress', () => {
  test('test_tool_with_progress reports 0, 50, 100 of 100 under the request token', async () => {
    await withServer(async ({ client, received }) => {
      const updates = [];
      const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
        onprogress: (progress) => updates.push(progress),
      });
      // The tool echoes the token it saw in _meta; it is the one the notifications carried.
      const notes = received.filter((m) => m.method === 'notifications/progress');
      assert.deepEqual(
        notes.map((n) => [n.params.progress, n.params.total]),
        [
          [0, 100],
          [50, 100],
          [100, 100],
        ],
      );
      assert.ok(notes.every((n) => String(n.params.progressToken) === textOf(result)));
      // The callback saw them in order (the last may lose the SDK's race, typescript-sdk#2580).
      assert.ok(updates.length >= 2, `onprogress saw ${updates.length} updates`);
      assert.deepEqual(
        updates.map((u) => u.progress),
        [0, 50, 100].slice(0, updates.length),
      );
      assert.ok(updates.every((u) => u.total === 100));
    });
  });

  test('probe_slow reports strictly increasing progress with a total and a message', async () => {
    await withServer(async ({ client, received }) => {
      const updates = [];
      const result = await client.callTool({ name: 'probe_slow', arguments: { steps: 6, delay_ms: 20 } }, undefined, {
        onprogress: (progress) => updates.push(progress),
      });
      assert.equal(textOf(result), 'counted to 6');
      // On the wire: one notification per step, all before the response.
      const notes = received.filter((m) => m.method === 'notifications/progress').map((m) => m.params);
      assert.deepEqual(
        notes.map((n) => n.progress),
        [1, 2, 3, 4, 5, 6],
      );
      assert.ok(notes.every((n) => n.total === 6));
      assert.equal(notes[2].message, 'step 3 of 6');
      const responseAt = received.findIndex((m) => m.result?.content);
      assert.ok(received.findLastIndex((m) => m.method === 'notifications/progress') < responseAt);
      // The SDK callback sees them in order; the last one can lose the race with the response
      // inside the SDK (typescript-sdk#2580), so only a prefix is certain.
      assert.ok(updates.length >= 1, 'onprogress was called');
      assert.deepEqual(updates, notes.slice(0, updates.length).map(({ progressToken, ...rest }) => rest));
    });
  });

  test('without a progress token no progress notifications are sent', async () => {
    await withServer(async ({ client, received }) => {
      await client.callTool({ name: 'probe_slow', arguments: { steps: 3, delay_ms: 1 } });
      assert.equal(received.filter((m) => m.method === 'notifications/progress').length, 0);
    });
  });
});

describe('cancellation', () => {
  test('aborting a call stops the work in the plugin, and no response follows', async () => {
    await withServer(async ({ client, received }) => {
      const controller = new AbortController();
      const steps = 500; // 10 s of work if nothing stops it
      let reachedThree;
      const threeSteps = new Promise((resolve) => (reachedThree = resolve));
      const call = client.callTool({ name: 'probe_slow', arguments: { steps, delay_ms: 20 } }, undefined, {
        signal: controller.signal,
        onprogress: ({ progress }) => progress >= 3 && reachedThree(),
      });
      await threeSteps;
      const abortedAt = Date.now();
      controller.abort('the user pressed stop');
      await assert.rejects(call, /the user pressed stop/);
      // The host reads stdin in order, so once this ping is answered it has seen the cancellation.
      await client.ping();
      const cancelSeen = received.length;

      // The plugin itself saw the cancellation and stopped early.
      const stats = await eventually(
        async () => {
          const s = await slowStats(client);
          return s.running === 0 && s;
        },
        { what: 'probe_slow to stop' },
      );
      assert.equal(Date.now() - abortedAt < 2000, true, 'the work stopped soon after the abort');
      assert.equal(stats.started, 1);
      assert.equal(stats.cancelled, 1);
      assert.equal(stats.completed, 0);
      assert.equal(stats.last.finished, true);
      assert.equal(stats.last.cancelled, true);
      assert.ok(stats.last.done >= 3 && stats.last.done < steps, `stopped after ${stats.last.done} steps`);

      // Give a stray response time to arrive, then check none did.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.ping();
      const token = received.find((m) => m.method === 'notifications/progress').params.progressToken;
      assert.equal(
        received.filter((m) => m.id === token).length,
        0,
        'a cancelled request gets no response',
      );
      const lateProgress = received
        .slice(cancelSeen)
        .filter((m) => m.method === 'notifications/progress' && m.params.progressToken === token);
      assert.deepEqual(lateProgress, [], 'no progress for a request after its cancellation');

      // The host goes on serving, and the next run completes.
      const next = await client.callTool({ name: 'probe_slow', arguments: { steps: 2, delay_ms: 1 } });
      assert.equal(textOf(next), 'counted to 2');
      const after = await slowStats(client);
      assert.equal(after.completed, 1);
      assert.equal(after.cancelled, 1);
    });
  });

  test('a client-side timeout cancels the call in the plugin as well', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(
        client.callTool({ name: 'probe_slow', arguments: { steps: 500, delay_ms: 20 } }, undefined, { timeout: 300 }),
        (error) => error instanceof McpError && error.code === ErrorCode.RequestTimeout,
      );
      const stats = await eventually(
        async () => {
          const s = await slowStats(client);
          return s.running === 0 && s;
        },
        { what: 'probe_slow to stop' },
      );
      assert.equal(stats.cancelled, 1);
      assert.ok(stats.last.done < 100, `stopped after ${stats.last.done} steps`);
    });
  });

  test('cancelling one of two calls leaves the other running to completion', async () => {
    await withServer(async ({ client }) => {
      const controller = new AbortController();
      const doomed = client.callTool({ name: 'probe_slow', arguments: { steps: 500, delay_ms: 20 } }, undefined, {
        signal: controller.signal,
      });
      const survivor = client.callTool({ name: 'probe_slow', arguments: { steps: 10, delay_ms: 20 } });
      await new Promise((resolve) => setTimeout(resolve, 60));
      controller.abort();
      await assert.rejects(doomed);
      assert.equal(textOf(await survivor), 'counted to 10');
      const stats = await eventually(
        async () => {
          const s = await slowStats(client);
          return s.running === 0 && s;
        },
        { what: 'both runs to end' },
      );
      assert.equal(stats.completed, 1);
      assert.equal(stats.cancelled, 1);
    });
  });
});
