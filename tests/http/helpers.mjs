// helpers.mjs: starts the real switchboard binary on Streamable HTTP for the tests in this folder,
// and speaks to it at three levels: the official TypeScript SDK client, plain fetch with an SSE
// reader (for the protocol rules the SDK hides), and raw TCP sockets (for what fetch cannot send).
//
// The ctest `http_transport` sets SWITCHBOARD_BINARY (the executable) and
// SWITCHBOARD_TEST_PLUGIN_DIR (where conformance_fixture.so and interop_probe.so are built).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const CLIENT_INFO = { name: 'switchboard-http-tests', version: '1.0.0' };
export const LATEST = '2025-11-25';
export const SUPPORTED_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set; run the suite through ctest (ctest -R http_transport) or set SWITCHBOARD_BINARY and ` +
        'SWITCHBOARD_TEST_PLUGIN_DIR yourself',
    );
  }
  return value;
}

export function hasProbe() {
  return existsSync(join(requiredEnv('SWITCHBOARD_TEST_PLUGIN_DIR'), 'interop_probe.so'));
}

// A sanitizer build may be slower to start and to answer; every wait scales with this.
export const SLOW = process.env.SWITCHBOARD_BINARY?.includes('asan') ? 3 : 1;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the server -----------------------------------------------------------------------------

// Starts the host with a fresh data dir and config: the conformance fixture (and the interop
// probe when it is built), plus `http` settings. `env` adds environment variables (for
// ${env:NAME} in the config). Resolves to a server handle once the binary printed its URL:
//   { url, origin, host, port, child, stderr(), stop() }
// stop() sends SIGTERM, asserts the process exits cleanly within 1 s, and that no sanitizer
// reported anything.
export async function startServer({ http = {}, env = {}, limits, logLevel = 'info', plugins } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-http-'));
  const config = {
    data_dir: join(dir, 'data'),
    plugin_paths: [requiredEnv('SWITCHBOARD_TEST_PLUGIN_DIR')],
    discover: false,
    plugins: plugins ?? { conformance_fixture: {}, ...(hasProbe() ? { interop_probe: {} } : {}) },
    log: { level: logLevel },
    http,
  };
  if (limits) config.limits = limits;
  const configPath = join(dir, 'switchboard.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const child = spawn(requiredEnv('SWITCHBOARD_BINARY'), ['--config', configPath, '--http', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderrText = '';
  child.stderr.on('data', (chunk) => {
    stderrText += chunk.toString();
  });
  let stdoutText = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server printed no URL within ${10 * SLOW} s\n--- stderr ---\n${stderrText}`));
    }, 10000 * SLOW);
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdoutText += line + '\n';
      const match = /^Switchboard is serving MCP \(Streamable HTTP\) at (http:\/\/\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before serving\n--- stderr ---\n${stderrText}`));
    });
  });
  const parsed = new URL(url);
  let stopped = false;
  return {
    url,
    origin: parsed.origin,
    host: parsed.host,
    port: Number(parsed.port),
    child,
    exited,
    stderr: () => stderrText,
    stdout: () => stdoutText,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`the server died during the test (${child.exitCode ?? child.signalCode})`);
        }
        const started = Date.now();
        child.kill('SIGTERM');
        const took = waitForExitSync(child.pid, 5000, started);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        const status = await exited;
        clearTimeout(timer);
        assert.deepEqual(status, { code: 0, signal: null }, 'the server exits with status 0 on SIGTERM');
        assert.ok(took <= 1000, `the server exits within 1 s of SIGTERM (took ${took} ms)`);
        assertNoSanitizerReport(stderrText);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// Milliseconds from `started` until process `pid` exited (is a zombie or gone), measured by
// polling /proc synchronously: the test process's own event loop, busy with the sockets the
// server just closed, must not count against the server.
function waitForExitSync(pid, limitMs, started) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let state;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    } catch {
      state = 'gone';
    }
    if (state === 'Z' || state === 'X' || state === 'gone') return Date.now() - started;
    if (Date.now() - started > limitMs) return Date.now() - started;
    Atomics.wait(pause, 0, 0, 2);
  }
}

export function assertNoSanitizerReport(text) {
  const report = /(ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer)/.exec(text);
  assert.ok(!report, `a sanitizer reported a problem:\n${text.slice(Math.max(0, report?.index - 200), report?.index + 6000)}`);
}

// Runs `body(server)` against a fresh server and always stops it; a failure carries the tail of
// the server's log.
export async function withServer(options, body) {
  if (typeof options === 'function') [options, body] = [{}, options];
  const server = await startServer(options);
  try {
    await body(server);
  } catch (error) {
    error.message += `\n--- server stderr (tail) ---\n${server.stderr().slice(-4000)}`;
    try {
      await server.stop();
    } catch {
      // the test's own failure is the one to report
    }
    throw error;
  }
  await server.stop();
}

// ---- MCP over plain fetch -------------------------------------------------------------------

// POSTs one JSON-RPC message (or raw text) to the MCP endpoint.
export function post(server, message, { session, version, accept, headers = {}, signal, contentType } = {}) {
  const all = {
    'content-type': contentType ?? 'application/json',
    accept: accept ?? 'application/json, text/event-stream',
    ...headers,
  };
  if (session) all['mcp-session-id'] = session;
  if (version) all['mcp-protocol-version'] = version;
  return fetch(server.url, {
    method: 'POST',
    headers: all,
    body: typeof message === 'string' ? message : JSON.stringify(message),
    signal,
  });
}

// Opens the GET stream (or resumes a stream with `lastEventId`).
export function get(server, { session, version, lastEventId, headers = {}, signal } = {}) {
  const all = { accept: 'text/event-stream', ...headers };
  if (session) all['mcp-session-id'] = session;
  if (version) all['mcp-protocol-version'] = version;
  if (lastEventId !== undefined) all['last-event-id'] = lastEventId;
  return fetch(server.url, { method: 'GET', headers: all, signal });
}

export function del(server, { session, version, headers = {} } = {}) {
  const all = { ...headers };
  if (session) all['mcp-session-id'] = session;
  if (version) all['mcp-protocol-version'] = version;
  return fetch(server.url, { method: 'DELETE', headers: all });
}

let nextId = 1;
export const request = (method, params, id = nextId++) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params === undefined ? {} : { params }),
});
export const notification = (method, params) => ({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });

// initialize + notifications/initialized. Returns { id, version, result }.
export async function openSession(server, { protocolVersion = LATEST, capabilities = {} } = {}) {
  const response = await post(
    server,
    request('initialize', { protocolVersion, capabilities, clientInfo: CLIENT_INFO }),
  );
  const text = await response.text();
  assert.equal(response.status, 200, `initialize answered ${response.status}: ${text}`);
  const id = response.headers.get('mcp-session-id');
  assert.ok(id, 'initialize returns an Mcp-Session-Id');
  const body = JSON.parse(text);
  assert.ok(body.result, `initialize failed: ${text}`);
  const initialized = await post(server, notification('notifications/initialized'), {
    session: id,
    version: body.result.protocolVersion,
  });
  assert.equal(initialized.status, 202);
  await initialized.arrayBuffer();
  return { id, version: body.result.protocolVersion, result: body.result };
}

// Sends a request in JSON mode (Accept: application/json only) and returns the parsed response.
export async function rpcJson(server, session, method, params) {
  const response = await post(server, request(method, params), {
    session: session.id,
    version: session.version,
    accept: 'application/json',
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${method} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

// ---- SSE ------------------------------------------------------------------------------------

// Reads an SSE response body as it arrives. `events` holds every event ({ id, data, retry,
// event, message }, `message` being the parsed JSON of a non-empty data field); `ended`
// resolves (never rejects) with { error } once the body ends or breaks.
export class SseReader {
  constructor(response) {
    assert.equal(response.status, 200, `expected an SSE stream, got HTTP ${response.status}`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    this.response = response;
    this.events = [];
    this.raw = '';
    this.waiters = [];
    this.done = false;
    this.ended = this.#pump();
  }

  get messages() {
    return this.events.filter((e) => e.message !== undefined).map((e) => e.message);
  }

  async #pump() {
    const reader = this.response.body.getReader();
    this.reader = reader;
    const decoder = new TextDecoder();
    let buffer = '';
    let error;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.raw += text;
        buffer += text;
        let boundary;
        while ((boundary = buffer.search(/\r\n\r\n|\n\n|\r\r/)) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + (buffer.startsWith('\r\n\r\n', boundary) ? 4 : 2));
          this.#dispatch(block);
        }
      }
    } catch (e) {
      error = e;
    }
    this.done = true;
    this.#notify();
    return { error, leftover: buffer };
  }

  #dispatch(block) {
    const event = {};
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') event.data = event.data === undefined ? value : event.data + '\n' + value;
      else if (field === 'id') event.id = value;
      else if (field === 'retry') event.retry = Number(value);
      else if (field === 'event') event.event = value;
    }
    if (Object.keys(event).length === 0) return;
    if (event.data) event.message = JSON.parse(event.data);
    this.events.push(event);
    this.#notify();
  }

  #notify() {
    for (const waiter of [...this.waiters]) waiter();
  }

  // Closes the connection (the client goes away); resolves once the reader stopped.
  async close() {
    await this.reader?.cancel().catch(() => {});
    await this.ended;
  }

  // Resolves with the first event satisfying `match` (past or future); rejects on timeout or
  // when the stream ends without one.
  waitFor(match, timeoutMs = 5000 * SLOW, what = 'a matching event') {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (found) return finish(() => resolve(found));
        if (this.done) return finish(() => reject(new Error(`the stream ended without ${what}; got ${this.describe()}`)));
      };
      const finish = (settle) => {
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(check), 1);
        settle();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${this.describe()}`))),
        timeoutMs,
      );
      this.waiters.push(check);
      check();
    });
  }

  waitForMessage(match, timeoutMs, what) {
    return this.waitFor((e) => e.message !== undefined && match(e.message), timeoutMs, what).then((e) => e.message);
  }

  // The response to request `id`.
  waitForResponse(id, timeoutMs) {
    return this.waitForMessage(
      (m) => m.id === id && (m.result !== undefined || m.error !== undefined),
      timeoutMs,
      `the response to request ${id}`,
    );
  }

  describe() {
    return JSON.stringify(this.events).slice(0, 2000);
  }
}

// POSTs a request that is answered as an SSE stream and returns its reader.
export async function postStream(server, session, message, options = {}) {
  const response = await post(server, message, {
    session: session.id,
    version: session.version,
    accept: 'application/json, text/event-stream',
    ...options,
  });
  return new SseReader(response);
}

export async function openGetStream(server, session, options = {}) {
  return new SseReader(await get(server, { session: session.id, version: session.version, ...options }));
}

// ---- node:http, for headers fetch will not send (Host) --------------------------------------

// One request with exactly these headers; resolves to { status, headers, body }.
export function httpRequest(server, { method = 'GET', path = '/mcp', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// ---- raw TCP --------------------------------------------------------------------------------

// Sends `data` (string or Buffer, or an array of chunks written `gapMs` apart) on a fresh
// connection and resolves with { text, closed, error } once the server closes the connection or
// `timeoutMs` passes (closed: false).
export function rawExchange(server, data, { timeoutMs = 3000 * SLOW, gapMs = 0 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks = [];
    let settled = false;
    const finish = (closed, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, error });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (error) => finish(true, error));
    socket.on('connect', async () => {
      const parts = Array.isArray(data) ? data : [data];
      for (const part of parts) {
        if (settled) return;
        socket.write(part);
        if (gapMs) await sleep(gapMs);
      }
    });
  });
}

// The status code of the first HTTP response in `text`, or undefined.
export function statusOf(text) {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

// ---- the official SDK client ----------------------------------------------------------------

// Connects the SDK Client over StreamableHTTPClientTransport. `setup(client)` registers handlers
// before connecting. The transport's fetch is wrapped to record every exchange:
// `exchanges` holds { method, body (parsed request), status, contentType, sse (SseReader copy for
// event streams) }. Returns { client, transport, exchanges, errors, close() }.
export async function connectClient(server, { capabilities = {}, setup, reconnectionOptions, headers } = {}) {
  const exchanges = [];
  const recordingFetch = async (url, init = {}) => {
    const response = await fetch(url, init);
    const exchange = {
      method: init.method ?? 'GET',
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      requestHeaders: new Headers(init.headers),
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
    };
    exchanges.push(exchange);
    if (exchange.contentType.startsWith('text/event-stream') && response.body) {
      const [mine, theirs] = response.body.tee();
      exchange.sse = new SseReader(new Response(mine, { status: 200, headers: response.headers }));
      return new Response(theirs, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    return response;
  };
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    fetch: recordingFetch,
    reconnectionOptions,
    requestInit: headers ? { headers } : undefined,
  });
  const client = new Client(CLIENT_INFO, { capabilities });
  const errors = [];
  client.onerror = (error) => errors.push(error);
  if (setup) setup(client);
  await client.connect(transport);
  return {
    client,
    transport,
    exchanges,
    errors,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

// The text of the first text content item of a CallToolResult.
export function textOf(result) {
  const item = result.content?.find((c) => c.type === 'text');
  if (!item) throw new Error(`no text content in ${JSON.stringify(result)}`);
  return item.text;
}

// Polls `probe` until it returns something truthy.
export async function eventually(probe, { timeoutMs = 5000 * SLOW, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
