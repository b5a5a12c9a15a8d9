// notifications/tools/list_changed when a plugin adds or removes a tool at run time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { eventually, textOf, withServer } from './helpers.mjs';

describe('tools/list_changed', () => {
  test('adding and removing a tool notifies the client, whose listChanged handler refreshes the list', async () => {
    const refreshes = []; // the tool names each auto-refresh saw
    await withServer(
      {
        pageSize: 1000, // the SDK's auto-refresh reads the first page only
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (error, tools) => refreshes.push(error ?? tools.map((tool) => tool.name)),
          },
        },
      },
      async ({ client, received }) => {
        const before = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(!before.includes('probe_dyn_alpha'));

        const added = await client.callTool({ name: 'probe_add_tool', arguments: { name: 'probe_dyn_alpha' } });
        assert.equal(textOf(added), 'added probe_dyn_alpha');
        // The notification goes out before the call's own response, so a client that lists
        // right after the call already knows.
        const notice = received.findIndex((m) => m.method === 'notifications/tools/list_changed');
        const response = received.findIndex((m) => m.result?.content?.[0]?.text === 'added probe_dyn_alpha');
        assert.ok(notice >= 0 && notice < response, `notification at ${notice}, response at ${response}`);

        const afterAdd = await eventually(
          () => refreshes.find((r) => Array.isArray(r) && r.includes('probe_dyn_alpha')),
          { what: 'an auto-refresh that lists probe_dyn_alpha' },
        );
        assert.equal(afterAdd.length, before.length + 1);
        const answer = await client.callTool({ name: 'probe_dyn_alpha', arguments: {} });
        assert.equal(textOf(answer), 'dynamic tool probe_dyn_alpha answered');

        const removed = await client.callTool({ name: 'probe_remove_tool', arguments: { name: 'probe_dyn_alpha' } });
        assert.equal(textOf(removed), 'removed probe_dyn_alpha');
        await eventually(() => refreshes.length >= 2 && !refreshes.at(-1).includes('probe_dyn_alpha'), {
          what: 'an auto-refresh without probe_dyn_alpha',
        });
        assert.deepEqual(refreshes.at(-1), before);
        assert.equal(received.filter((m) => m.method === 'notifications/tools/list_changed').length, 2);
        assert.ok(refreshes.every((r) => Array.isArray(r)), `refresh errors: ${refreshes}`);

        await assert.rejects(
          client.callTool({ name: 'probe_dyn_alpha', arguments: {} }),
          (error) => error instanceof McpError && error.code === ErrorCode.InvalidParams,
        );
      },
    );
  });

  test('a refused registration is a tool error and changes nothing', async () => {
    await withServer({ pageSize: 1000 }, async ({ client, received }) => {
      await client.callTool({ name: 'probe_add_tool', arguments: { name: 'probe_dyn_beta', answer: 'first' } });
      const duplicate = await client.callTool({
        name: 'probe_add_tool',
        arguments: { name: 'probe_dyn_beta', answer: 'second' },
      });
      assert.equal(duplicate.isError, true);
      assert.match(textOf(duplicate), /probe_dyn_beta.*collides/);
      assert.equal(received.filter((m) => m.method === 'notifications/tools/list_changed').length, 1);

      const notAdded = await client.callTool({ name: 'probe_remove_tool', arguments: { name: 'probe_dyn_gamma' } });
      assert.equal(notAdded.isError, true);
      assert.match(textOf(notAdded), /was not added/);

      // The first registration still answers, not the refused one.
      const answer = await client.callTool({ name: 'probe_dyn_beta', arguments: {} });
      assert.equal(textOf(answer), 'first');
    });
  });
});
