// helpers.mjs: starts the real switchboard binary for the interop tests and connects either the
// official TypeScript SDK client or a raw JSON-RPC line client to it.
//
// The ctest `interop_typescript_sdk` sets SWITCHBOARD_BINARY (the executable) and
// SWITCHBOARD_TEST_PLUGIN_DIR (where conformance_fixture.so and interop_probe.so are built).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const CLIENT_INFO = { name: 'switchboard-interop', version: '1.0.0' };

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set; run the suite through ctest (ctest -R interop) or set SWITCHBOARD_BINARY and ` +
        'SWITCHBOARD_TEST_PLUGIN_DIR yourself',
    );
  }
  return value;
}

// A fresh data directory and config file. Returns { dir, configPath }; remove `dir` when done.
export function writeConfig({ pageSize = 10, limits = {}, plugins } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-interop-'));
  const config = {
    data_dir: join(dir, 'data'),
    plugin_paths: [requiredEnv('SWITCHBOARD_TEST_PLUGIN_DIR')],
    discover: false,
    plugins: plugins ?? { conformance_fixture: {}, interop_probe: {} },
    limits: { page_size: pageSize, ...limits },
    log: { level: 'info' },
  };
  const configPath = join(dir, 'switchboard.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath };
}

// Starts the host and connects an SDK Client over stdio.
//
// Options: capabilities and listChanged (passed to the Client), pageSize and limits (config),
// protocolVersion (asks for an older revision than the SDK's latest by rewriting the
// initialize request on its way out), setup(client) (registers handlers before connecting).
// Returns { client, transport, sent, received, stderr(), errors, close() }. `sent` and
// `received` hold every message to and from the host; `errors` collects transport and protocol
// errors the client saw, such as a line on stdout that is not JSON-RPC.
export async function connect(options = {}) {
  const { capabilities = {}, listChanged, protocolVersion, setup } = options;
  const { dir, configPath } = writeConfig(options);
  const transport = new StdioClientTransport({
    command: requiredEnv('SWITCHBOARD_BINARY'),
    args: ['--config', configPath, '--stdio'],
    stderr: 'pipe',
  });
  // The host logs to stderr; drain it so a full pipe never blocks the host.
  let stderrText = '';
  transport.stderr.on('data', (chunk) => {
    stderrText += chunk.toString();
  });
  // Every message to the host, in order; an older protocolVersion is swapped in on the way out.
  const sent = [];
  const send = transport.send.bind(transport);
  transport.send = (message, sendOptions) => {
    if (protocolVersion && message.method === 'initialize')
      message = { ...message, params: { ...message.params, protocolVersion } };
    sent.push(message);
    return send(message, sendOptions);
  };

  // Every message from the host, in arrival order, for assertions the SDK API does not expose.
  const received = [];
  let onmessage;
  Object.defineProperty(transport, 'onmessage', {
    get: () => onmessage,
    set: (handler) => {
      onmessage = handler && ((message, extra) => (received.push(message), handler(message, extra)));
    },
  });

  const client = new Client(CLIENT_INFO, { capabilities, listChanged });
  const errors = [];
  client.onerror = (error) => {
    if (!isLateProgress(error, sent)) errors.push(error);
  };
  if (setup) setup(client);
  try {
    await client.connect(transport);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`connect failed: ${error.message}\n--- host stderr ---\n${stderrText}`);
  }
  return {
    client,
    transport,
    sent,
    received,
    errors,
    stderr: () => stderrText,
    async close() {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// SDK 1.32 dispatches notifications a microtask later than responses, so a progress notification
// that arrives together with its request's response (or just after a cancellation) finds its
// handler gone and is reported as an error (typescript-sdk#2580). Such progress is legitimate
// when its token belongs to a request this client sent; any other token is still an error.
function isLateProgress(error, sent) {
  const match = /^Received a progress notification for an unknown token: (.*)$/s.exec(error.message);
  if (!match) return false;
  const token = JSON.parse(match[1]).params?.progressToken;
  return sent.some((m) => m.id !== undefined && m.params?._meta?.progressToken === token);
}

// Runs `body(connection)` against a fresh host and always closes it. Fails when the client saw
// a transport or protocol error, since every byte on stdout must be a valid JSON-RPC message.
export async function withServer(options, body) {
  if (typeof options === 'function') [options, body] = [{}, options];
  const connection = await connect(options);
  try {
    await body(connection);
    if (connection.errors.length > 0) {
      throw new Error(`client errors: ${connection.errors.map((e) => e.message).join('; ')}`);
    }
  } catch (error) {
    error.message += `\n--- host stderr ---\n${connection.stderr().slice(-4000)}`;
    throw error;
  } finally {
    await connection.close();
  }
}

// ---- a raw JSON-RPC client, for what the SDK cannot send ----------------------------------

// Spawns the host with plain pipes: send() writes one line, request() waits for the response
// with the same id, `messages` holds everything received, `exited` resolves to { code, signal }.
export function spawnRaw(options = {}) {
  const { dir, configPath } = writeConfig(options);
  const child = spawn(requiredEnv('SWITCHBOARD_BINARY'), ['--config', configPath, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderrText = '';
  child.stderr.on('data', (chunk) => {
    stderrText += chunk.toString();
  });
  const messages = [];
  const waiters = [];
  const badLines = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      badLines.push(line);
      return;
    }
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let nextId = 1;

  const raw = {
    child,
    messages,
    badLines,
    exited,
    stderr: () => stderrText,
    send(message) {
      child.stdin.write(typeof message === 'string' ? message + '\n' : JSON.stringify(message) + '\n');
    },
    // Resolves with the first received message (past or future) that satisfies `match`.
    waitFor(match, timeoutMs = 5000) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index < 0) return;
          waiters.splice(index, 1);
          reject(new Error(`no matching message within ${timeoutMs} ms; stderr:\n${stderrText}`));
        }, timeoutMs).unref();
      });
    },
    request(method, params, id = nextId++) {
      const message = { jsonrpc: '2.0', id, method };
      if (params !== undefined) message.params = params;
      raw.send(message);
      return raw.waitFor((m) => m.id === id && (m.result !== undefined || m.error !== undefined));
    },
    async initialize(protocolVersion = '2025-11-25', capabilities = {}) {
      const response = await raw.request('initialize', { protocolVersion, capabilities, clientInfo: CLIENT_INFO });
      raw.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return response;
    },
    // Closes stdin (the host must exit on EOF) and waits for the exit.
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const status = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return status;
    },
  };
  return raw;
}

// ---- small assertions helpers ---------------------------------------------------------------

// The text of the first text content item of a CallToolResult.
export function textOf(result) {
  const item = result.content.find((c) => c.type === 'text');
  if (!item) throw new Error(`no text content in ${JSON.stringify(result)}`);
  return item.text;
}

// Polls `probe` (async, returns a value or undefined/false) until it returns something truthy.
export async function eventually(probe, { timeoutMs = 5000, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// Every item of a paginated list, following nextCursor. `list` is e.g. (p) => client.listTools(p).
export async function listAll(list, key) {
  const items = [];
  const cursors = [];
  let cursor;
  do {
    const page = await list(cursor === undefined ? {} : { cursor });
    items.push(...page[key]);
    cursor = page.nextCursor;
    if (cursor !== undefined) cursors.push(cursor);
    if (cursors.length > 100) throw new Error('more than 100 pages: the cursor does not advance');
  } while (cursor !== undefined);
  return { items, pages: cursors.length + 1 };
}

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
