// Plugin-to-plugin calls through the host router, and the host.tool.called events on the bus.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CLIENT_INFO, eventually, textOf, withServer } from './helpers.mjs';

async function busEvents(client) {
  return JSON.parse(textOf(await client.callTool({ name: 'probe_events', arguments: {} })));
}

// Waits until the probe has seen a host.tool.called event that satisfies `match`.
function toolCalled(client, match, what) {
  return eventually(
    async () => (await busEvents(client)).find((e) => e.topic === 'host.tool.called' && match(e.payload))?.payload,
    { what },
  );
}

describe('plugin-to-plugin calls', () => {
  test('the probe calls a conformance fixture tool and relays its content', async () => {
    await withServer(async ({ client }) => {
      const text = await client.callTool({ name: 'probe_call_other', arguments: { name: 'test_simple_text' } });
      assert.deepEqual(text.content, [
        { type: 'text', text: 'relayed from test_simple_text' },
        { type: 'text', text: 'This is a simple text response for testing.' },
      ]);

      const image = await client.callTool({ name: 'probe_call_other', arguments: { name: 'test_image_content' } });
      assert.equal(image.content[1].type, 'image');
      assert.equal(image.content[1].mimeType, 'image/png');

      const withArgs = await client.callTool({
        name: 'probe_call_other',
        arguments: { name: 'json_schema_2020_12_tool', arguments: { name: 'Grace' } },
      });
      assert.equal(withArgs.content[1].text, 'Received: {"name":"Grace"}');
    });
  });

  test('errors travel back: a tool error stays a tool error, an unknown tool is reported', async () => {
    await withServer(async ({ client }) => {
      const failing = await client.callTool({ name: 'probe_call_other', arguments: { name: 'test_error_handling' } });
      assert.equal(failing.isError, true);
      assert.equal(failing.content[1].text, 'This tool intentionally returns an error for testing');

      const unknown = await client.callTool({ name: 'probe_call_other', arguments: { name: 'no_such_tool' } });
      assert.equal(unknown.isError, true);
      assert.equal(textOf(unknown), 'calling no_such_tool failed: Unknown tool: no_such_tool');
    });
  });

  test('a tool called by a plugin has no client to ask for sampling', async () => {
    await withServer({ capabilities: { sampling: {} } }, async ({ client }) => {
      const result = await client.callTool({
        name: 'probe_call_other',
        arguments: { name: 'test_sampling', arguments: { prompt: 'hi' } },
      });
      assert.equal(result.isError, true);
      const text = result.content.map((c) => c.text).join(' ');
      assert.match(text, /no client to ask: this request came from plugin:interop_probe/);
    });
  });
});

describe('host.tool.called events', () => {
  test('a client call publishes tool, plugin, session, client, duration, outcome and sizes', async () => {
    await withServer(async ({ client, received }) => {
      const args = { name: 'Ada', kind: 'person' };
      await client.callTool({ name: 'json_schema_2020_12_tool', arguments: args });
      const event = await toolCalled(client, (p) => p.tool === 'json_schema_2020_12_tool', 'the event');
      assert.equal(event.plugin, 'conformance_fixture');
      assert.equal(event.session, 'stdio');
      assert.equal(event.client, CLIENT_INFO.name);
      assert.equal(event.ok, true);
      assert.equal(event.outcome, 'ok');
      assert.equal(typeof event.duration_ms, 'number');
      assert.ok(event.duration_ms >= 0 && event.duration_ms < 5000, `duration_ms ${event.duration_ms}`);
      // The sizes are those of the params and result as they crossed the wire.
      assert.equal(event.argument_bytes, JSON.stringify({ name: 'json_schema_2020_12_tool', arguments: args }).length);
      const response = received.find((m) => m.result?.content?.[0]?.text?.startsWith('Received: '));
      assert.equal(event.result_bytes, JSON.stringify(response.result).length);
    });
  });

  test('tool errors, cancelled calls and plugin-to-plugin calls are told apart', async () => {
    await withServer(async ({ client }) => {
      await client.callTool({ name: 'test_error_handling', arguments: {} });
      const failed = await toolCalled(client, (p) => p.tool === 'test_error_handling', 'the tool error event');
      assert.equal(failed.ok, false);
      assert.equal(failed.outcome, 'tool_error');

      const controller = new AbortController();
      const slow = client.callTool({ name: 'probe_slow', arguments: { steps: 500 } }, undefined, {
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      controller.abort();
      await assert.rejects(slow);
      const cancelled = await toolCalled(client, (p) => p.tool === 'probe_slow', 'the cancelled call event');
      assert.equal(cancelled.outcome, 'cancelled');
      assert.equal(cancelled.ok, false);

      await client.callTool({ name: 'probe_call_other', arguments: { name: 'test_audio_content' } });
      const inner = await toolCalled(client, (p) => p.tool === 'test_audio_content', 'the inner call event');
      assert.equal(inner.client, 'plugin:interop_probe');
      assert.equal(inner.session, null);
      assert.equal(inner.outcome, 'ok');
      const outer = await toolCalled(client, (p) => p.tool === 'probe_call_other', 'the outer call event');
      assert.equal(outer.client, CLIENT_INFO.name);
      assert.equal(outer.plugin, 'interop_probe');
    });
  });
});
