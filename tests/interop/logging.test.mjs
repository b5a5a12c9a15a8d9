// Logging: notifications/message at every level, filtered by logging/setLevel.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  EmptyResultSchema,
  ErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';

import { LOG_LEVELS, withServer } from './helpers.mjs';

function collectLogs(messages) {
  return {
    setup(client) {
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) =>
        messages.push(notification.params),
      );
    },
  };
}

describe('logging', () => {
  test('setLevel lets through exactly the messages at or above the level, for each of the eight levels', async () => {
    const messages = [];
    await withServer(collectLogs(messages), async ({ client }) => {
      for (const [index, level] of LOG_LEVELS.entries()) {
        messages.length = 0;
        await client.setLoggingLevel(level);
        await client.callTool({ name: 'probe_log_all_levels', arguments: {} });
        await client.ping(); // every notification sent before the ping's answer has been handled
        assert.deepEqual(
          messages.map((m) => m.level),
          LOG_LEVELS.slice(index),
          `at level ${level}`,
        );
        for (const message of messages) {
          assert.equal(message.logger, 'interop_probe');
          assert.deepEqual(message.data, { level: message.level, seq: LOG_LEVELS.indexOf(message.level) });
        }
      }
      // Back down to debug: everything flows again.
      messages.length = 0;
      await client.setLoggingLevel('debug');
      await client.callTool({ name: 'probe_log_all_levels', arguments: {} });
      await client.ping();
      assert.equal(messages.length, 8);
    });
  });

  test('the fixture logs three info messages while it runs', async () => {
    const messages = [];
    await withServer(collectLogs(messages), async ({ client }) => {
      await client.setLoggingLevel('info');
      const result = await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      assert.equal(result.content[0].text, 'Tool with logging executed successfully');
      await client.ping();
      assert.deepEqual(messages, [
        { level: 'info', data: 'Tool execution started' },
        { level: 'info', data: 'Tool processing data' },
        { level: 'info', data: 'Tool execution completed' },
      ]);

      messages.length = 0;
      await client.setLoggingLevel('warning');
      await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      await client.ping();
      assert.deepEqual(messages, []);
    });
  });

  test('an unknown level is refused with -32602 and the level stays as it was', async () => {
    const messages = [];
    await withServer(collectLogs(messages), async ({ client }) => {
      await client.setLoggingLevel('error');
      await assert.rejects(
        client.request({ method: 'logging/setLevel', params: { level: 'loud' } }, EmptyResultSchema),
        (error) => error instanceof McpError && error.code === ErrorCode.InvalidParams && /debug/.test(error.message),
      );
      await client.callTool({ name: 'probe_log_all_levels', arguments: {} });
      await client.ping();
      assert.deepEqual(
        messages.map((m) => m.level),
        ['error', 'critical', 'alert', 'emergency'],
      );
    });
  });
});
