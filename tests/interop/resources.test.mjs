// Resources: list, read (text and blob), templates, subscriptions and updates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ErrorCode, McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { listAll, withServer } from './helpers.mjs';

const RESOURCE_NOT_FOUND = -32002;

function rejectsWith(code, pattern) {
  return (error) => {
    assert.ok(error instanceof McpError, `expected an McpError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('resources', () => {
  test('resources/list names every static resource once', async () => {
    await withServer({ pageSize: 2 }, async ({ client }) => {
      const { items, pages } = await listAll((params) => client.listResources(params), 'resources');
      const uris = items.map((resource) => resource.uri);
      assert.ok(pages >= 2, 'page size 2 spreads four resources over several pages');
      assert.equal(new Set(uris).size, uris.length);
      for (const uri of ['test://static-text', 'test://static-binary', 'test://watched-resource', 'probe://counter'])
        assert.ok(uris.includes(uri), `${uri} missing from ${uris}`);
      const counter = items.find((resource) => resource.uri === 'probe://counter');
      assert.deepEqual(counter, {
        uri: 'probe://counter',
        name: 'counter',
        mimeType: 'text/plain',
        description: 'How often probe_touch_resource ran.',
      });
    });
  });

  test('reads a text resource', async () => {
    await withServer(async ({ client }) => {
      const result = await client.readResource({ uri: 'test://static-text' });
      assert.deepEqual(result.contents, [
        {
          uri: 'test://static-text',
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ]);
    });
  });

  test('reads a binary resource as a base64 blob', async () => {
    await withServer(async ({ client }) => {
      const result = await client.readResource({ uri: 'test://static-binary' });
      assert.equal(result.contents.length, 1);
      const [blob] = result.contents;
      assert.equal(blob.uri, 'test://static-binary');
      assert.equal(blob.mimeType, 'image/png');
      assert.equal(blob.text, undefined);
      assert.equal(Buffer.from(blob.blob, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
    });
  });

  test('lists templates and reads through them', async () => {
    await withServer(async ({ client }) => {
      const { items } = await listAll((params) => client.listResourceTemplates(params), 'resourceTemplates');
      const templates = items.map((t) => t.uriTemplate);
      assert.ok(templates.includes('test://template/{id}/data'), templates.join(', '));
      assert.ok(templates.includes('probe://items/{item}'), templates.join(', '));

      const data = await client.readResource({ uri: 'test://template/42/data' });
      assert.equal(data.contents[0].uri, 'test://template/42/data');
      assert.equal(data.contents[0].mimeType, 'application/json');
      assert.deepEqual(JSON.parse(data.contents[0].text), { id: '42', templateTest: true, data: 'Data for ID: 42' });

      const item = await client.readResource({ uri: 'probe://items/banana' });
      assert.equal(item.contents[0].text, 'item banana');
    });
  });

  test('an unknown resource is error -32002', async () => {
    await withServer(async ({ client }) => {
      await assert.rejects(
        client.readResource({ uri: 'test://does-not-exist' }),
        rejectsWith(RESOURCE_NOT_FOUND, /test:\/\/does-not-exist/),
      );
      await assert.rejects(
        client.subscribeResource({ uri: 'test://does-not-exist' }),
        rejectsWith(RESOURCE_NOT_FOUND),
      );
      await assert.rejects(client.readResource({}), rejectsWith(ErrorCode.InvalidParams));
    });
  });
});

describe('resource subscriptions', () => {
  test('a subscriber gets notifications/resources/updated until it unsubscribes', async () => {
    const updates = [];
    await withServer(
      {
        setup(client) {
          client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) =>
            updates.push(notification.params.uri),
          );
        },
      },
      async ({ client }) => {
        // Not subscribed yet: a change is not announced.
        await client.callTool({ name: 'probe_touch_resource', arguments: {} });
        await client.ping();
        assert.deepEqual(updates, []);

        await client.subscribeResource({ uri: 'probe://counter' });
        const touched = await client.callTool({ name: 'probe_touch_resource', arguments: {} });
        assert.equal(touched.content[0].text, 'counter is 2');
        await client.ping();
        assert.deepEqual(updates, ['probe://counter']);
        const read = await client.readResource({ uri: 'probe://counter' });
        assert.equal(read.contents[0].text, '2', 'the update is visible when the client re-reads');

        // A subscription to another resource does not receive this one's updates.
        await client.subscribeResource({ uri: 'test://watched-resource' });
        await client.unsubscribeResource({ uri: 'probe://counter' });
        await client.callTool({ name: 'probe_touch_resource', arguments: {} });
        await client.ping();
        assert.deepEqual(updates, ['probe://counter']);
      },
    );
  });
});
