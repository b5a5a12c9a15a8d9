// Lifecycle: initialize, capabilities, protocol version negotiation, ping, batches and exit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

import { CLIENT_INFO, spawnRaw, withServer } from './helpers.mjs';

describe('initialize through the TypeScript SDK', () => {
  test('reports serverInfo, the latest protocol version and capabilities derived from the plugins', async () => {
    assert.equal(LATEST_PROTOCOL_VERSION, '2025-11-25', 'the pinned SDK should speak 2025-11-25');
    await withServer(async ({ client, received }) => {
      const initialize = received.find((m) => m.id !== undefined && m.result?.protocolVersion);
      assert.equal(initialize.result.protocolVersion, '2025-11-25');
      const info = client.getServerVersion();
      assert.equal(info.name, 'switchboard');
      assert.equal(info.title, 'Switchboard');
      assert.match(info.version, /^\d+\.\d+\.\d+/);

      const capabilities = client.getServerCapabilities();
      assert.deepEqual(capabilities.tools, { listChanged: true });
      assert.deepEqual(capabilities.resources, { subscribe: true, listChanged: true });
      assert.deepEqual(capabilities.prompts, { listChanged: true });
      assert.deepEqual(capabilities.completions, {});
      assert.deepEqual(capabilities.logging, {});
      await client.ping();
    });
  });

  test('capabilities follow what is loaded: a host with only the probe still offers everything it uses', async () => {
    await withServer({ plugins: { interop_probe: {} } }, async ({ client }) => {
      const capabilities = client.getServerCapabilities();
      assert.ok(capabilities.tools && capabilities.resources && capabilities.prompts && capabilities.completions);
      const { tools } = await client.listTools();
      assert.ok(tools.every((tool) => tool.name.startsWith('probe_')), 'only probe tools are loaded');
    });
  });

  test('a host without plugins advertises no tools, resources or prompts', async () => {
    await withServer({ plugins: {} }, async ({ client }) => {
      const capabilities = client.getServerCapabilities();
      assert.equal(capabilities.tools, undefined);
      assert.equal(capabilities.resources, undefined);
      assert.equal(capabilities.prompts, undefined);
      assert.equal(capabilities.completions, undefined);
      assert.deepEqual(capabilities.logging, {});
      // Asked anyway, the host answers with an empty list rather than an error.
      assert.deepEqual(await client.listTools(), { tools: [] });
      await client.ping();
    });
  });

  for (const version of ['2025-06-18', '2025-03-26']) {
    test(`negotiates ${version} and works in it`, async () => {
      // The SDK always asks for its latest version; the helper rewrites the request on its way.
      await withServer({ protocolVersion: version }, async ({ client, sent, received }) => {
        assert.equal(sent.find((m) => m.method === 'initialize').params.protocolVersion, version);
        const initialize = received.find((m) => m.id !== undefined && m.result?.protocolVersion);
        assert.equal(initialize.result.protocolVersion, version);
        const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal(result.content[0].text, 'This is a simple text response for testing.');
        const { prompts } = await client.listPrompts();
        assert.ok(prompts.some((p) => p.name === 'test_simple_prompt'));
      });
    });
  }
});

describe('initialize over raw JSON-RPC', () => {
  for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
    test(`answers ${version} with ${version}`, async () => {
      const raw = spawnRaw();
      try {
        const response = await raw.initialize(version);
        assert.equal(response.result.protocolVersion, version);
        assert.equal(response.result.serverInfo.name, 'switchboard');
      } finally {
        assert.deepEqual(await raw.close(), { code: 0, signal: null });
      }
    });
  }

  test('answers an unknown version with the latest one', async () => {
    const raw = spawnRaw();
    try {
      const response = await raw.initialize('2024-01-01');
      assert.equal(response.result.protocolVersion, '2025-11-25');
    } finally {
      await raw.close();
    }
  });

  test('refuses requests before initialize but answers ping', async () => {
    const raw = spawnRaw();
    try {
      const early = await raw.request('tools/list', {});
      assert.equal(early.error.code, -32600);
      assert.match(early.error.message, /initialize/);
      const ping = await raw.request('ping');
      assert.deepEqual(ping.result, {});
      await raw.initialize();
      const again = await raw.request('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: CLIENT_INFO,
      });
      assert.equal(again.error.code, -32600, 'initialize is accepted once');
    } finally {
      await raw.close();
    }
  });

  test('answers garbage with a parse error and keeps serving', async () => {
    const raw = spawnRaw();
    try {
      await raw.initialize();
      raw.send('{"jsonrpc": "2.0", "id": 1, "method": ');
      const parseError = await raw.waitFor((m) => m.error?.code === -32700);
      assert.equal(parseError.id, null);
      const unknown = await raw.request('no/such/method', {});
      assert.equal(unknown.error.code, -32601);
      const ping = await raw.request('ping');
      assert.deepEqual(ping.result, {});
      assert.deepEqual(raw.badLines, [], 'stdout carries only JSON-RPC');
    } finally {
      await raw.close();
    }
  });

  test('accepts JSON-RPC batches only in 2025-03-26 sessions', async () => {
    const old = spawnRaw();
    try {
      await old.initialize('2025-03-26');
      old.send([
        { jsonrpc: '2.0', id: 'a', method: 'ping' },
        { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } },
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } },
      ]);
      const batch = await old.waitFor((m) => Array.isArray(m));
      assert.equal(batch.length, 2, 'one response per request, none for the notification');
      const byId = Object.fromEntries(batch.map((r) => [r.id, r]));
      assert.deepEqual(byId.a.result, {});
      assert.equal(byId.b.result.content[0].text, 'This is a simple text response for testing.');
    } finally {
      await old.close();
    }

    const current = spawnRaw();
    try {
      await current.initialize('2025-11-25');
      current.send([{ jsonrpc: '2.0', id: 'a', method: 'ping' }]);
      const refusal = await current.waitFor((m) => m.error?.code === -32600);
      assert.match(refusal.error.message, /batch/);
    } finally {
      await current.close();
    }
  });

  test('exits with status 0 when stdin closes, even with a call in flight', async () => {
    const raw = spawnRaw();
    await raw.initialize();
    const params = { name: 'probe_slow', arguments: { steps: 500 } };
    raw.send({ jsonrpc: '2.0', id: 99, method: 'tools/call', params });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const status = await raw.close();
    assert.deepEqual(status, { code: 0, signal: null });
    assert.ok(Date.now() - started < 3000, `exit took ${Date.now() - started} ms`);
    assert.deepEqual(raw.badLines, []);
  });
});
