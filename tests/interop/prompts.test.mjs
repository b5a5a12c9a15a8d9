// Prompts and completion: list, get with arguments, embedded resources, images, completion/complete.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { listAll, withServer } from './helpers.mjs';

function rejectsWith(code, pattern) {
  return (error) => {
    assert.ok(error instanceof McpError, `expected an McpError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('prompts', () => {
  test('prompts/list describes every prompt and its arguments', async () => {
    await withServer({ pageSize: 2 }, async ({ client }) => {
      const { items } = await listAll((params) => client.listPrompts(params), 'prompts');
      const byName = Object.fromEntries(items.map((prompt) => [prompt.name, prompt]));
      assert.equal(items.length, Object.keys(byName).length, 'no prompt twice');
      for (const name of [
        'test_simple_prompt',
        'test_prompt_with_arguments',
        'test_prompt_with_embedded_resource',
        'test_prompt_with_image',
        'probe_order',
      ])
        assert.ok(byName[name], `${name} missing`);
      assert.deepEqual(byName.test_prompt_with_arguments.arguments, [
        { name: 'arg1', description: 'First argument', required: true },
        { name: 'arg2', description: 'Second argument', required: true },
      ]);
      assert.equal(byName.probe_order.title, 'Order an ice cream');
    });
  });

  test('gets a prompt without arguments', async () => {
    await withServer(async ({ client }) => {
      const result = await client.getPrompt({ name: 'test_simple_prompt' });
      assert.deepEqual(result.messages, [
        { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
      ]);
    });
  });

  test('gets a prompt with arguments filled in', async () => {
    await withServer(async ({ client }) => {
      const result = await client.getPrompt({
        name: 'test_prompt_with_arguments',
        arguments: { arg1: 'hello', arg2: 'wörld' },
      });
      assert.equal(result.messages[0].content.text, "Prompt with arguments: arg1='hello', arg2='wörld'");
      const order = await client.getPrompt({ name: 'probe_order', arguments: { flavor: 'vanilla' } });
      assert.equal(order.description, 'An order');
      assert.equal(order.messages[0].content.text, 'One vanilla ice cream, please.');
    });
  });

  test('gets a prompt with an embedded resource', async () => {
    await withServer(async ({ client }) => {
      const result = await client.getPrompt({
        name: 'test_prompt_with_embedded_resource',
        arguments: { resourceUri: 'test://example-resource' },
      });
      assert.equal(result.messages.length, 2);
      assert.deepEqual(result.messages[0], {
        role: 'user',
        content: {
          type: 'resource',
          resource: {
            uri: 'test://example-resource',
            mimeType: 'text/plain',
            text: 'Embedded resource content for testing.',
          },
        },
      });
      assert.equal(result.messages[1].content.text, 'Please process the embedded resource above.');
    });
  });

  test('gets a prompt with an image', async () => {
    await withServer(async ({ client }) => {
      const result = await client.getPrompt({ name: 'test_prompt_with_image' });
      const [image, text] = result.messages;
      assert.equal(image.content.type, 'image');
      assert.equal(image.content.mimeType, 'image/png');
      assert.equal(Buffer.from(image.content.data, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
      assert.equal(text.content.text, 'Please analyze the image above.');
    });
  });

  test('an unknown prompt and a refused argument are JSON-RPC errors -32602', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(
        client.getPrompt({ name: 'no_such_prompt' }),
        rejectsWith(ErrorCode.InvalidParams, /Unknown prompt/),
      );
      await assert.rejects(
        client.getPrompt({ name: 'probe_order', arguments: {} }),
        rejectsWith(ErrorCode.InvalidParams, /flavor/),
      );
    });
  });
});

describe('completion/complete', () => {
  test('completes a prompt argument by prefix', async () => {
    await withServer(async ({ client }) => {
      const ref = { type: 'ref/prompt', name: 'test_prompt_with_arguments' };
      const alpha = await client.complete({ ref, argument: { name: 'arg1', value: 'al' } });
      assert.deepEqual(alpha.completion, { values: ['alpha'], total: 1, hasMore: false });
      const all = await client.complete({ ref, argument: { name: 'arg1', value: '' } });
      assert.deepEqual(all.completion.values, ['alpha', 'beta', 'gamma']);

      const flavors = await client.complete({
        ref: { type: 'ref/prompt', name: 'probe_order' },
        argument: { name: 'flavor', value: 'ch' },
      });
      assert.deepEqual(flavors.completion.values, ['cherry', 'chocolate']);
    });
  });

  test('completes a resource template variable', async () => {
    await withServer(async ({ client }) => {
      const result = await client.complete({
        ref: { type: 'ref/resource', uri: 'probe://items/{item}' },
        argument: { name: 'item', value: 'ap' },
      });
      assert.deepEqual(result.completion, { values: ['apple', 'apricot'], total: 2, hasMore: false });
      // A template without a completer has nothing to offer, but it is not an error.
      const none = await client.complete({
        ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
        argument: { name: 'id', value: '1' },
      });
      assert.deepEqual(none.completion.values, []);
    });
  });

  test('an unknown reference is a JSON-RPC error -32602', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(
        client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } }),
        rejectsWith(ErrorCode.InvalidParams, /nope/),
      );
    });
  });
});
