// Server-to-client requests: sampling (with and without tools), elicitation (form, defaults,
// enums, URL) and roots, answered by the SDK client's request handlers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';

import { eventually, textOf, withServer } from './helpers.mjs';

// The JSON object after "content=" in the fixture's elicitation answer.
function elicitedContent(result) {
  return JSON.parse(textOf(result).replace(/^User response: action=\w+, content=/, ''));
}

describe('sampling', () => {
  test('test_sampling gets its answer from the client handler', async () => {
    const requests = [];
    await withServer(
      {
        capabilities: { sampling: {} },
        setup(client) {
          client.setRequestHandler(CreateMessageRequestSchema, (request) => {
            requests.push(request.params);
            return { model: 'interop-model', role: 'assistant', content: { type: 'text', text: 'Paris.' } };
          });
        },
      },
      async ({ client }) => {
        const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Capital of France?' } });
        assert.equal(textOf(result), 'LLM response: Paris.');
        assert.equal(requests.length, 1);
        assert.equal(requests[0].maxTokens, 100);
        assert.deepEqual(requests[0].messages, [
          { role: 'user', content: { type: 'text', text: 'Capital of France?' } },
        ]);
      },
    );
  });

  test('a client that refuses a sampling request makes the tool fail with its reason', async () => {
    await withServer(
      {
        capabilities: { sampling: {} },
        setup(client) {
          client.setRequestHandler(CreateMessageRequestSchema, () => {
            throw new McpError(-1, 'the user declined to sample');
          });
        },
      },
      async ({ client }) => {
        const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
        assert.equal(result.isError, true);
        assert.match(textOf(result), /the user declined to sample/);
      },
    );
  });

  test('without the sampling capability the plugin gets a clear error and the client is not asked', async () => {
    await withServer(async ({ client, received }) => {
      const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /did not declare the "sampling" capability/);
      assert.equal(received.filter((m) => m.method === 'sampling/createMessage').length, 0);
    });
  });

  test('a sampling loop with tools: tool_use, tool_result, final answer', async () => {
    const requests = [];
    await withServer(
      {
        capabilities: { sampling: { tools: {} } },
        setup(client) {
          client.setRequestHandler(CreateMessageRequestSchema, (request) => {
            requests.push(request.params);
            const last = request.params.messages.at(-1);
            const results = Array.isArray(last.content) ? last.content.filter((c) => c.type === 'tool_result') : [];
            if (results.length === 0) {
              return {
                model: 'interop-model',
                role: 'assistant',
                stopReason: 'toolUse',
                content: [{ type: 'tool_use', id: 'call-1', name: 'get_weather', input: { city: 'Paris' } }],
              };
            }
            return {
              model: 'interop-model',
              role: 'assistant',
              stopReason: 'endTurn',
              content: { type: 'text', text: `Model read: ${results[0].content[0].text}` },
            };
          });
        },
      },
      async ({ client }) => {
        const result = await client.callTool({ name: 'probe_sample_with_tools', arguments: {} });
        assert.ok(!result.isError, textOf(result));
        assert.equal(
          textOf(result),
          'tool_use: get_weather{"city":"Paris"}\ntext: Model read: Sunny, 21 C in Paris\n',
        );
        assert.equal(requests.length, 2);
        assert.equal(requests[0].tools[0].name, 'get_weather');
        assert.deepEqual(requests[0].tools[0].inputSchema.required, ['city']);
        assert.deepEqual(requests[0].toolChoice, { mode: 'auto' });
        // The second round carries the model's tool_use and the plugin's tool_result for it.
        const [, assistant, user] = requests[1].messages;
        assert.equal(assistant.role, 'assistant');
        assert.equal(assistant.content[0].type, 'tool_use');
        assert.equal(user.content[0].type, 'tool_result');
        assert.equal(user.content[0].toolUseId, 'call-1');
      },
    );
  });

  test('cancelling a tool call withdraws its pending sampling request and frees the plugin', async () => {
    const events = [];
    await withServer(
      {
        capabilities: { sampling: {} },
        setup(client) {
          // A user who never answers: only the server's cancellation ends the wait.
          client.setRequestHandler(
            CreateMessageRequestSchema,
            (request, extra) =>
              new Promise((resolve, reject) => {
                events.push('asked');
                extra.signal.addEventListener('abort', () => {
                  events.push('withdrawn');
                  reject(new Error('withdrawn'));
                });
              }),
          );
        },
      },
      async ({ client, received }) => {
        const controller = new AbortController();
        const call = client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } }, undefined, {
          signal: controller.signal,
        });
        await eventually(() => events.includes('asked'), { what: 'the sampling request' });
        controller.abort('never mind');
        await assert.rejects(call, /never mind/);
        await eventually(() => events.includes('withdrawn'), { what: 'the sampling request to be withdrawn' });
        const sampling = received.find((m) => m.method === 'sampling/createMessage');
        const cancelled = received.find((m) => m.method === 'notifications/cancelled');
        assert.equal(cancelled.params.requestId, sampling.id);

        // The plugin stopped waiting and ended the call: the host published its end as cancelled.
        const ended = await eventually(
          async () => {
            const events = JSON.parse(textOf(await client.callTool({ name: 'probe_events', arguments: {} })));
            return events.find((e) => e.topic === 'host.tool.called' && e.payload.tool === 'test_sampling');
          },
          { what: 'test_sampling to end' },
        );
        assert.equal(ended.payload.outcome, 'cancelled');
      },
    );
  });

  test('sampling with tools needs sampling.tools: the plugin is told so and the client is not asked', async () => {
    let asked = 0;
    await withServer(
      {
        capabilities: { sampling: {} },
        setup(client) {
          client.setRequestHandler(CreateMessageRequestSchema, () => {
            asked += 1;
            return { model: 'm', role: 'assistant', content: { type: 'text', text: 'no' } };
          });
        },
      },
      async ({ client }) => {
        const result = await client.callTool({ name: 'probe_sample_with_tools', arguments: {} });
        assert.equal(result.isError, true);
        assert.match(textOf(result), /sampling\.tools/);
        assert.equal(asked, 0);
      },
    );
  });
});

describe('elicitation', () => {
  function elicitingClient(capabilities, answer, requests) {
    return {
      capabilities: { elicitation: capabilities },
      setup(client) {
        client.setRequestHandler(ElicitRequestSchema, (request) => {
          requests.push(request.params);
          return answer(request.params);
        });
      },
    };
  }

  test('test_elicitation: accept with content, and decline', async () => {
    const requests = [];
    let action = 'accept';
    const answer = () => (action === 'accept' ? { action, content: { response: 'yes please' } } : { action });
    await withServer(elicitingClient({ form: {} }, answer, requests), async ({ client }) => {
      const accepted = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Continue?' } });
      assert.equal(textOf(accepted), 'User response: action=accept, content={"response":"yes please"}');
      assert.equal(requests[0].message, 'Continue?');
      assert.deepEqual(requests[0].requestedSchema.required, ['response']);
      assert.equal(requests[0].requestedSchema.properties.response.type, 'string');

      action = 'decline';
      const declined = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Really?' } });
      assert.equal(textOf(declined), 'User response: action=decline, content={}');
    });
  });

  test('sep1034: the defaults reach the client, which applies them to an empty answer', async () => {
    const requests = [];
    await withServer(
      elicitingClient({ form: { applyDefaults: true } }, () => ({ action: 'accept', content: {} }), requests),
      async ({ client }) => {
        const result = await client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} });
        const defaults = { name: 'John Doe', age: 30, score: 95.5, status: 'active', verified: true };
        assert.deepEqual(elicitedContent(result), defaults);
        const { properties } = requests[0].requestedSchema;
        for (const [key, value] of Object.entries(defaults)) assert.deepEqual(properties[key].default, value, key);
        assert.deepEqual(properties.status.enum, ['active', 'inactive', 'pending']);
        assert.equal(properties.age.type, 'integer');
      },
    );
  });

  test('sep1330: every enum form arrives intact and the chosen values come back', async () => {
    const requests = [];
    const chosen = {
      untitledSingle: 'option2',
      titledSingle: 'value3',
      legacyEnum: 'opt1',
      untitledMulti: ['option1', 'option3'],
      titledMulti: ['value2'],
    };
    await withServer(
      elicitingClient({ form: {} }, () => ({ action: 'accept', content: chosen }), requests),
      async ({ client }) => {
        const result = await client.callTool({ name: 'test_elicitation_sep1330_enums', arguments: {} });
        assert.deepEqual(elicitedContent(result), chosen);
        const { properties } = requests[0].requestedSchema;
        assert.deepEqual(properties.untitledSingle.enum, ['option1', 'option2', 'option3']);
        assert.deepEqual(properties.titledSingle.oneOf[0], { const: 'value1', title: 'First Option' });
        assert.deepEqual(properties.legacyEnum.enumNames, ['Option One', 'Option Two', 'Option Three']);
        assert.deepEqual(properties.untitledMulti.items.enum, ['option1', 'option2', 'option3']);
        assert.equal(properties.untitledMulti.maxItems, 3);
        assert.deepEqual(properties.titledMulti.items.anyOf[2], { const: 'value3', title: 'Third Choice' });
      },
    );
  });

  test('without the elicitation capability the tool fails with a clear error', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Hi?' } });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /did not declare the "elicitation" capability/);
    });
  });

  test('URL-mode elicitation reaches a client that declared elicitation.url', async () => {
    const requests = [];
    await withServer(
      elicitingClient({ form: {}, url: {} }, () => ({ action: 'accept' }), requests),
      async ({ client }) => {
        const result = await client.callTool({ name: 'probe_elicit_url', arguments: {} });
        assert.equal(textOf(result), 'action=accept');
        assert.equal(requests[0].mode, 'url');
        assert.equal(requests[0].url, 'https://example.com/probe/sign-in');
        assert.equal(requests[0].elicitationId, 'probe-elicitation-1');
      },
    );
  });

  test('URL-mode elicitation is refused for a form-only client', async () => {
    const requests = [];
    await withServer(elicitingClient({ form: {} }, () => ({ action: 'accept' }), requests), async ({ client }) => {
      const result = await client.callTool({ name: 'probe_elicit_url', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /elicitation\.url/);
      assert.equal(requests.length, 0);
    });
  });
});

describe('roots', () => {
  const roots = [
    { uri: 'file:///work/project', name: 'project' },
    { uri: 'file:///tmp/scratch', name: 'scratch' },
  ];

  test('probe_roots returns what the client handler answers', async () => {
    await withServer(
      {
        capabilities: { roots: { listChanged: true } },
        setup(client) {
          client.setRequestHandler(ListRootsRequestSchema, () => ({ roots }));
        },
      },
      async ({ client }) => {
        const result = await client.callTool({ name: 'probe_roots', arguments: {} });
        assert.deepEqual(JSON.parse(textOf(result)), { roots });

        // roots/list_changed becomes a host.roots.changed event on the bus.
        await client.sendRootsListChanged();
        const event = await eventually(
          async () => {
            const events = JSON.parse(textOf(await client.callTool({ name: 'probe_events', arguments: {} })));
            return events.find((e) => e.topic === 'host.roots.changed');
          },
          { what: 'host.roots.changed' },
        );
        assert.deepEqual(event.payload, { session: 'stdio' });
      },
    );
  });

  test('without the roots capability the tool fails with a clear error', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'probe_roots', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /did not declare the "roots" capability/);
    });
  });
});
