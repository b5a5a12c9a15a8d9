// Tools: listing across pages, every content type of the conformance fixture, structured output,
// resource links and the error paths (tool errors, exceptions, unknown tools).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { listAll, textOf, withServer } from './helpers.mjs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const FIXTURE_TOOLS = [
  'test_simple_text',
  'test_image_content',
  'test_audio_content',
  'test_embedded_resource',
  'test_multiple_content_types',
  'test_error_handling',
  'test_tool_with_logging',
  'test_tool_with_progress',
  'test_sampling',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
  'json_schema_2020_12_tool',
];
const PROBE_TOOLS = [
  'probe_slow',
  'probe_stats',
  'probe_log_all_levels',
  'probe_throw',
  'probe_structured',
  'probe_resource_link',
  'probe_add_tool',
  'probe_remove_tool',
  'probe_roots',
  'probe_sample_with_tools',
  'probe_elicit_url',
  'probe_call_other',
  'probe_events',
  'probe_touch_resource',
];

function rejectsWith(code, pattern) {
  return (error) => {
    assert.ok(error instanceof McpError, `expected an McpError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('tools/list', () => {
  test('pages of 10 cover every tool exactly once, and match a single large page', async () => {
    let paged;
    await withServer({ pageSize: 10 }, async ({ client }) => {
      const first = await client.listTools();
      assert.equal(first.tools.length, 10);
      assert.equal(typeof first.nextCursor, 'string');
      paged = await listAll((params) => client.listTools(params), 'tools');
    });
    const names = paged.items.map((tool) => tool.name);
    assert.ok(names.length > 20, `expected more than two pages of tools, got ${names.length}`);
    assert.equal(paged.pages, Math.ceil(names.length / 10));
    assert.equal(new Set(names).size, names.length, `duplicates in ${names}`);
    for (const name of [...FIXTURE_TOOLS, ...PROBE_TOOLS]) assert.ok(names.includes(name), `${name} missing`);

    await withServer({ pageSize: 1000 }, async ({ client }) => {
      const whole = await client.listTools();
      assert.equal(whole.nextCursor, undefined);
      assert.deepEqual(whole.tools, paged.items, 'paging changes neither the set nor the order');
    });
  });

  test('every tool has a description and an object inputSchema, passed through unchanged', async () => {
    await withServer({ pageSize: 1000 }, async ({ client }) => {
      const { tools } = await client.listTools();
      for (const tool of tools) {
        assert.ok(tool.description?.length > 0, `${tool.name} has no description`);
        assert.equal(tool.inputSchema.type, 'object', tool.name);
      }
      const schemaTool = tools.find((tool) => tool.name === 'json_schema_2020_12_tool');
      assert.equal(schemaTool.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.deepEqual(schemaTool.inputSchema.properties.address, { $ref: '#/$defs/address' });
      assert.equal(schemaTool.inputSchema.$defs.address.$anchor, 'address');
      assert.deepEqual(schemaTool.inputSchema.then, { required: ['address'] });
      assert.equal(schemaTool.inputSchema.additionalProperties, false);
      const structured = tools.find((tool) => tool.name === 'probe_structured');
      assert.deepEqual(structured.outputSchema.required, ['sum', 'product']);
    });
  });

  test('a cursor that was not issued by the server is refused with -32602', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(client.listTools({ cursor: 'bm90LWEtY3Vyc29y' }), rejectsWith(ErrorCode.InvalidParams));
    });
  });
});

describe('tools/call: conformance fixture content', () => {
  test('test_simple_text returns one text item', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      assert.deepEqual(result.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
      assert.ok(!result.isError);
    });
  });

  test('test_image_content returns a decodable PNG', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_image_content', arguments: {} });
      assert.equal(result.content.length, 1);
      const [image] = result.content;
      assert.equal(image.type, 'image');
      assert.equal(image.mimeType, 'image/png');
      assert.deepEqual(Buffer.from(image.data, 'base64').subarray(0, 8), PNG_SIGNATURE);
    });
  });

  test('test_audio_content returns a decodable WAV', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_audio_content', arguments: {} });
      const [audio] = result.content;
      assert.equal(audio.type, 'audio');
      assert.equal(audio.mimeType, 'audio/wav');
      const bytes = Buffer.from(audio.data, 'base64');
      assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF');
      assert.equal(bytes.subarray(8, 12).toString('latin1'), 'WAVE');
    });
  });

  test('test_embedded_resource returns an embedded text resource', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_embedded_resource', arguments: {} });
      assert.deepEqual(result.content, [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ]);
    });
  });

  test('test_multiple_content_types returns text, image and resource in order', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_multiple_content_types', arguments: {} });
      assert.deepEqual(
        result.content.map((item) => item.type),
        ['text', 'image', 'resource'],
      );
      assert.equal(result.content[0].text, 'Multiple content types test:');
      assert.deepEqual(Buffer.from(result.content[1].data, 'base64').subarray(0, 8), PNG_SIGNATURE);
      const { resource } = result.content[2];
      assert.equal(resource.uri, 'test://mixed-content-resource');
      assert.equal(resource.mimeType, 'application/json');
      assert.deepEqual(JSON.parse(resource.text), { test: 'data', value: 123 });
    });
  });

  test('test_error_handling is a result with isError, not a JSON-RPC error', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'test_error_handling', arguments: {} });
      assert.equal(result.isError, true);
      assert.equal(textOf(result), 'This tool intentionally returns an error for testing');
    });
  });

  test('json_schema_2020_12_tool receives its arguments unchanged', async () => {
    await withServer(async ({ client }) => {
      const args = { name: 'Ada', address: { street: '1 Loop', city: 'Zürich' }, kind: 'company' };
      const result = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: args });
      assert.deepEqual(JSON.parse(textOf(result).replace(/^Received: /, '')), args);
    });
  });
});

describe('tools/call: probe results and errors', () => {
  test('structured output arrives as structuredContent with a text mirror and passes the SDK validator', async () => {
    // One page, so the SDK caches every outputSchema and validates the result against it.
    await withServer({ pageSize: 1000 }, async ({ client }) => {
      await client.listTools();
      const result = await client.callTool({ name: 'probe_structured', arguments: { a: 6, b: 7 } });
      assert.deepEqual(result.structuredContent, { sum: 13, product: 42 });
      assert.deepEqual(JSON.parse(textOf(result)), result.structuredContent);
    });
  });

  test('the host refuses a result without structuredContent from a tool that declares an outputSchema', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(
        client.callTool({ name: 'probe_structured', arguments: { a: 1, b: 2, omit_structured: true } }),
        rejectsWith(ErrorCode.InternalError, /structuredContent/),
      );
      // The session survives the plugin's mistake.
      const result = await client.callTool({ name: 'probe_structured', arguments: { a: 1, b: 2 } });
      assert.deepEqual(result.structuredContent, { sum: 3, product: 2 });
    });
  });

  test('a resource_link points at a resource the client can read', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'probe_resource_link', arguments: {} });
      const link = result.content.find((item) => item.type === 'resource_link');
      assert.deepEqual(link, {
        type: 'resource_link',
        uri: 'probe://counter',
        name: 'counter',
        mimeType: 'text/plain',
      });
      const read = await client.readResource({ uri: link.uri });
      assert.equal(read.contents[0].text, '0');
    });
  });

  test('an exception in a handler becomes an isError result naming the tool and the cause', async () => {
    await withServer(async ({ client }) => {
      const result = await client.callTool({ name: 'probe_throw', arguments: {} });
      assert.equal(result.isError, true);
      assert.equal(textOf(result), 'probe_throw failed: the probe blew up on purpose');
      await client.ping();
    });
  });

  test('arguments of the wrong type are an isError result that says what was wrong', async () => {
    await withServer(async ({ client }) => {
      const wrongType = await client.callTool({ name: 'probe_structured', arguments: { a: 'six', b: 7 } });
      assert.equal(wrongType.isError, true);
      assert.match(textOf(wrongType), /^invalid arguments for probe_structured: .*number/);
      const outOfRange = await client.callTool({ name: 'probe_slow', arguments: { steps: 0 } });
      assert.equal(outOfRange.isError, true);
      assert.match(textOf(outOfRange), /"steps" must be an integer from 1 to/);
    });
  });

  test('an unknown tool is a JSON-RPC error -32602', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(
        client.callTool({ name: 'no_such_tool', arguments: {} }),
        rejectsWith(ErrorCode.InvalidParams, /Unknown tool: no_such_tool/),
      );
    });
  });
});
