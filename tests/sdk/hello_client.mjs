// hello_client.mjs: the checks of out_of_tree_test.sh that need JSON. Plain Node, no packages.
//
//   node hello_client.mjs validate <validate.json>          checks `--validate-plugin --json`
//   node hello_client.mjs session <switchboard> <config>    drives `--stdio` over real pipes
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [mode, ...args] = process.argv.slice(2);
const names = (items, key) => items.map((item) => item[key]).sort();

function checkValidate(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(report.ok, true, `validate failed: ${report.error}`);
  assert.equal(report.id, 'hello');
  assert.equal(report.name, 'Hello');
  assert.equal(report.version, '1.0.0');
  assert.deepEqual(names(report.offers.tools, 'name'), ['hello_count', 'hello_greet', 'hello_stats']);
  const greet = report.offers.tools.find((tool) => tool.name === 'hello_greet');
  assert.deepEqual(greet.inputSchema.required, ['name']);
  assert.ok(report.offers.tools.find((tool) => tool.name === 'hello_stats').outputSchema);
  assert.deepEqual(names(report.offers.resources, 'uri'), ['hello://guestbook']);
  assert.deepEqual(names(report.offers.prompts, 'name'), ['hello_welcome']);
  console.log(`validate: ${report.name} ${report.version}, ABI ${report.abi}, ${report.offers.tools.length} tools`);
}

// One MCP client on the child's stdin/stdout: newline-delimited JSON-RPC.
class StdioClient {
  constructor(command, commandArgs) {
    this.child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.nextId = 1;
    this.pending = new Map();
    this.notifications = [];
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const message = JSON.parse(line);  // stdout carries protocol messages and nothing else
      if (message.id !== undefined && this.pending.has(message.id)) {
        this.pending.get(message.id)(message);
        this.pending.delete(message.id);
      } else {
        this.notifications.push(message);
      }
    });
  }
  send(message) { this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n'); }
  request(method, params) {
    const id = this.nextId++;
    const reply = new Promise((resolve) => this.pending.set(id, resolve));
    this.send({ id, method, params });
    return reply;
  }
  async result(method, params) {
    const reply = await this.request(method, params);
    assert.equal(reply.error, undefined, `${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }
}

async function checkSession(binary, config) {
  const client = new StdioClient(binary, ['--config', config, '--stdio']);
  const init = await client.result('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'out-of-tree-test', version: '1.0.0' },
  });
  assert.equal(init.protocolVersion, '2025-11-25');
  assert.match(init.instructions ?? '', /hello_greet/);
  client.send({ method: 'notifications/initialized' });

  const tools = await client.result('tools/list', {});
  assert.deepEqual(names(tools.tools, 'name'), ['hello_count', 'hello_greet', 'hello_stats']);

  // The greeting comes from the plugin's config, which came from ${env:HELLO_GREETING}.
  const greeted = await client.result('tools/call', { name: 'hello_greet', arguments: { name: 'Ada' } });
  assert.deepEqual(greeted.content, [{ type: 'text', text: 'Ahoy, Ada!' }]);
  assert.notEqual(greeted.isError, true);

  const missing = await client.result('tools/call', { name: 'hello_greet', arguments: {} });
  assert.equal(missing.isError, true);
  assert.match(missing.content[0].text, /"name" is required/);

  const stats = await client.result('tools/call', { name: 'hello_stats', arguments: {} });
  assert.deepEqual(stats.structuredContent, { greetings: 1, people: 1, last: 'Ada' });
  assert.deepEqual(JSON.parse(stats.content[0].text), stats.structuredContent);

  const counted = await client.result('tools/call', {
    name: 'hello_count', arguments: { to: 3 }, _meta: { progressToken: 'count-1' },
  });
  assert.deepEqual(counted.content, [{ type: 'text', text: 'Counted to 3.' }]);
  const progress = client.notifications
    .filter((note) => note.method === 'notifications/progress' && note.params.progressToken === 'count-1')
    .map((note) => [note.params.progress, note.params.total]);
  assert.deepEqual(progress, [[1, 3], [2, 3], [3, 3]]);

  const read = await client.result('resources/read', { uri: 'hello://guestbook' });
  assert.deepEqual(read.contents, [{ uri: 'hello://guestbook', mimeType: 'text/plain', text: 'Ada\n' }]);

  const prompt = await client.result('prompts/get', { name: 'hello_welcome', arguments: { name: 'Grace' } });
  assert.match(prompt.messages[0].content.text, /welcome note for Grace.*Begin with "Ahoy"/);

  const completion = await client.result('completion/complete', {
    ref: { type: 'ref/prompt', name: 'hello_welcome' }, argument: { name: 'name', value: 'A' },
  });
  assert.deepEqual(completion.completion.values, ['Ada']);

  client.child.stdin.end();  // stdin EOF ends a stdio server
  const { code, signal } = await client.exited;
  assert.equal(signal, null, `switchboard died of ${signal}`);
  assert.equal(code, 0, `switchboard exited with ${code}`);
  console.log('session: greet, stats, progress, resource, prompt and completion all answered');
}

const timer = setTimeout(() => {
  console.error('FAIL: no answer within 60 s');
  process.exit(1);
}, 60000);
try {
  if (mode === 'validate') checkValidate(...args);
  else if (mode === 'session') await checkSession(...args);
  else throw new Error(`unknown mode "${mode}"; use validate or session`);
} catch (error) {
  console.error(`FAIL: ${error.stack ?? error}`);
  process.exit(1);
}
clearTimeout(timer);
