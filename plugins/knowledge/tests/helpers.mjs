// helpers.mjs: starts the real switchboard binary with the knowledge plugin (over stdio or
// Streamable HTTP) and the reference memory server, each behind the official TypeScript SDK client.
//
// The ctest entries set SWITCHBOARD_BINARY (the executable) and SWITCHBOARD_PLUGIN_DIR (where
// knowledge.so is built).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const CLIENT_INFO = { name: 'knowledge-tests', version: '1.0.0' };

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run through ctest (ctest -R knowledge) or set SWITCHBOARD_BINARY and SWITCHBOARD_PLUGIN_DIR`);
  }
  return value;
}

// A fresh data dir and a config loading only the knowledge plugin with `knowledge` settings.
function writeConfig(knowledge) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-knowledge-'));
  const config = {
    data_dir: join(dir, 'data'),
    plugin_paths: [requiredEnv('SWITCHBOARD_PLUGIN_DIR')],
    discover: false,
    plugins: { knowledge: { config: knowledge } },
    log: { level: process.env.KNOWLEDGE_LOG_LEVEL ?? 'warn' },
  };
  const configPath = join(dir, 'switchboard.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath };
}

// Fails when a sanitizer (asan/ubsan/lsan builds) reported anything on stderr.
export function assertNoSanitizerReport(text) {
  const report = /(ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer)/.exec(text);
  if (report && process.env.KNOWLEDGE_SANITIZER_LOG) appendFileSync(process.env.KNOWLEDGE_SANITIZER_LOG, text);
  if (report) throw new Error(`a sanitizer reported a problem:\n${text.slice(Math.max(0, report.index - 200), report.index + 4000)}`);
}

async function connectStdio(command, args, env, cleanup) {
  const transport = new StdioClientTransport({ command, args, env: { ...process.env, ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  try {
    await client.connect(transport);
  } catch (error) {
    cleanup();
    throw new Error(`connect failed: ${error.message}\n--- stderr ---\n${stderr}`);
  }
  return {
    client,
    stderr: () => stderr,
    async close() {
      const exited = new Promise((resolve) => {
        const child = transport._process;
        if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', resolve);
      });
      await client.close();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      cleanup();
      assertNoSanitizerReport(stderr);
    },
  };
}

function connectSwitchboard(configPath, cleanup) {
  return connectStdio(requiredEnv('SWITCHBOARD_BINARY'), ['--config', configPath, '--stdio'], {}, cleanup);
}

// The switchboard binary over stdio with the knowledge plugin. Returns { client, stderr(), close() }.
export async function startSwitchboard(knowledge = { compat_names: true }) {
  const { dir, configPath } = writeConfig(knowledge);
  return connectSwitchboard(configPath, () => rmSync(dir, { recursive: true, force: true }));
}

// Like startSwitchboard, on a data dir that outlives the process, so a test can stop it (or
// kill it: the returned kill() sends SIGKILL) and start it again on the same data. Returns
// { start(): Promise<connection>, remove() }; each connection also has kill().
export function restartableSwitchboard(knowledge = { compat_names: true }) {
  const { dir, configPath } = writeConfig(knowledge);
  return {
    async start() {
      const connection = await connectSwitchboard(configPath, () => {});
      connection.kill = () =>
        new Promise((resolve) => {
          const child = connection.client.transport._process;
          child.once('exit', resolve);
          child.kill('SIGKILL');
        });
      return connection;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// The reference memory server (from npm) over stdio, with its JSONL file in a temp dir.
export async function startReference() {
  const dir = mkdtempSync(join(tmpdir(), 'reference-memory-'));
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve('@modelcontextprotocol/server-memory/package.json')), 'dist', 'index.js');
  const connection = await connectStdio(process.execPath, [entry], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  connection.memoryFile = join(dir, 'memory.jsonl');
  return connection;
}

// The switchboard binary on Streamable HTTP (127.0.0.1, a free port). Returns
// { url, origin, connect(): Promise<Client>, stderr(), stop() }.
export async function startHttpSwitchboard(knowledge = {}) {
  const { dir, configPath } = writeConfig(knowledge);
  const child = spawn(requiredEnv('SWITCHBOARD_BINARY'), ['--config', configPath, '--http', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 15 s\n${stderr}`)), 15000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /at (http:\/\/\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before serving\n${stderr}`));
    });
  });
  const clients = [];
  return {
    url,
    origin: new URL(url).origin,
    stderr: () => stderr,
    async connect(name = 'knowledge-http-test') {
      const client = new Client({ name, version: '1.0.0' }, { capabilities: {} });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) await client.close().catch(() => {});
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const status = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      assertNoSanitizerReport(stderr);
      if (status.code !== 0) throw new Error(`the server exited with ${status.code ?? status.signal}\n${stderr.slice(-4000)}`);
    },
  };
}

// The text of a CallToolResult's first text item.
export function textOf(result) {
  const item = result.content.find((c) => c.type === 'text');
  if (!item) throw new Error(`no text content in ${JSON.stringify(result)}`);
  return item.text;
}

// Calls a tool and returns { isError, text, structured }.
export async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  return { isError: result.isError === true, text: textOf(result), structured: result.structuredContent };
}

// A graph as sorted canonical strings, so two graphs compare as sets.
export function graphAsSets(graph) {
  const entities = graph.entities.map((e) =>
    JSON.stringify([e.name, e.entityType, [...new Set(e.observations)].sort()]),
  );
  const relations = graph.relations.map((r) => JSON.stringify([r.from, r.to, r.relationType]));
  return { entities: [...new Set(entities)].sort(), relations: [...new Set(relations)].sort() };
}

// A small seeded PRNG (mulberry32), so a failing sequence can be replayed from its seed.
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
