// metrics.test.mjs: the metrics plugin end to end: the real switchboard binary with the metrics
// plugin and the conformance fixture, driven by the official TypeScript SDK client over stdio
// (which also checks every structuredContent against its tool's outputSchema) and by fetch over
// HTTP. Run by ctest (metrics_e2e_typescript_sdk), which sets SWITCHBOARD_BINARY,
// SWITCHBOARD_PLUGIN_DIR (metrics.so) and SWITCHBOARD_TEST_PLUGIN_DIR (conformance_fixture.so).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run through ctest (ctest -R metrics_e2e)`);
  return value;
}

function writeConfig(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-'));
  const config = {
    data_dir: join(dir, 'data'),
    plugin_paths: [requiredEnv('SWITCHBOARD_PLUGIN_DIR'), requiredEnv('SWITCHBOARD_TEST_PLUGIN_DIR')],
    discover: false,
    plugins: { metrics: { config: { flush_interval_ms: 50 } }, conformance_fixture: {} },
    log: { level: 'warn' },
    ...extra,
  };
  const configPath = join(dir, 'switchboard.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SANITIZER_REPORT = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;
const near = (actual, expected, what) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

const METRICS_TOOLS = [
  'metrics_breakdown', 'metrics_budget_check', 'metrics_budget_list', 'metrics_budget_set', 'metrics_forecast',
  'metrics_prices', 'metrics_recommendations', 'metrics_record_llm_call', 'metrics_summary', 'metrics_timeseries',
];

describe('metrics over stdio with the TypeScript SDK', () => {
  let client;
  let dir;
  let stderr = '';

  before(async () => {
    let configPath;
    ({ dir, configPath } = writeConfig());
    const transport = new StdioClientTransport({
      command: requiredEnv('SWITCHBOARD_BINARY'),
      args: ['--config', configPath, '--stdio'],
      stderr: 'pipe',
    });
    transport.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    client = new Client({ name: 'metrics-e2e', version: '1.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    await sleep(300); // the host's last stderr lines (a sanitizer's exit report) arrive after close
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(stderr, SANITIZER_REPORT);
  });

  const call = (name, args = {}) => client.callTool({ name, arguments: args });

  test('offers every metrics tool with input and output schemas', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of METRICS_TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert.ok(tool, `${name} is listed (got ${names.join(', ')})`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.outputSchema?.type, 'object', `${name} has an outputSchema`);
      assert.ok(tool.description.length > 60, `${name} has a real description`);
    }
  });

  test('a tool call of another plugin shows up in metrics_summary and metrics_breakdown', async () => {
    for (let i = 0; i < 3; i++) {
      const result = await call('test_simple_text');
      assert.ok(!result.isError);
    }
    let row;
    for (let attempt = 0; attempt < 50 && !row; attempt++) {
      const { structuredContent } = await call('metrics_breakdown', { source: 'tools', group_by: ['tool', 'plugin'] });
      row = structuredContent.rows.find((r) => r.tool === 'test_simple_text' && r.calls === 3);
      if (!row) await sleep(50);
    }
    assert.ok(row, 'test_simple_text is recorded three times');
    assert.equal(row.plugin, 'conformance_fixture');
    assert.equal(row.errors, 0);
    assert.ok(row.avg_duration_ms >= 0);
    const { structuredContent: summary } = await call('metrics_summary');
    assert.ok(summary.tools.calls >= 3);
    assert.ok(summary.top_tools.some((t) => t.tool === 'test_simple_text'));
  });

  test('recording LLM calls computes, keeps or withholds their cost', async () => {
    const computed = await call('metrics_record_llm_call', {
      provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 1000, output_tokens: 500,
      cache_read_tokens: 2000, cache_creation_tokens: 100, project: 'web', agent: 'a1', latency_ms: 1200,
    });
    assert.ok(!computed.isError, JSON.stringify(computed));
    assert.equal(computed.structuredContent.cost_source, 'computed');
    assert.equal(computed.structuredContent.price_key, 'claude-sonnet-4-5');
    near(computed.structuredContent.cost_usd, 1000 * 3e-6 + 500 * 15e-6 + 2000 * 0.3e-6 + 100 * 3.75e-6, 'computed');

    const reported = await call('metrics_record_llm_call', {
      provider: 'openai', model: 'gpt-4o', input_tokens: 10, output_tokens: 10, cost_usd: 0.5, project: 'web',
    });
    assert.equal(reported.structuredContent.cost_source, 'reported');
    near(reported.structuredContent.cost_usd, 0.5, 'reported');

    const unknown = await call('metrics_record_llm_call', { provider: 'acme', model: 'acme-9', input_tokens: 5 });
    assert.ok(!unknown.isError);
    assert.equal(unknown.structuredContent.cost_usd, null);
    assert.match(unknown.structuredContent.note, /acme-9/);

    const negative = await call('metrics_record_llm_call', { model: 'gpt-4o', input_tokens: -1 });
    assert.equal(negative.isError, true);
    assert.match(negative.content[0].text, /input_tokens must be a count of tokens, zero or more/);

    const { structuredContent: byProject } = await call('metrics_breakdown', { group_by: ['project'], filters: { project: 'web' } });
    assert.equal(byProject.rows.length, 1);
    assert.equal(byProject.rows[0].calls, 2);
    near(byProject.rows[0].cost_usd, 0.511475, 'project total');
    const { structuredContent: series } = await call('metrics_timeseries', { bucket: 'hour', group_by: ['model'] });
    assert.ok(series.rows.every((r) => typeof r.bucket === 'string'));
  });

  test('budgets: set, check, fail closed', async () => {
    const set = await call('metrics_budget_set', { scope: 'project', scope_value: 'web', period: 'month', limit_usd: 0.4 });
    assert.ok(!set.isError, JSON.stringify(set));
    assert.equal(set.structuredContent.budget.state, 'exceeded');
    const check = await call('metrics_budget_check', { project: 'web' });
    assert.equal(check.structuredContent.allowed, false);
    const other = await call('metrics_budget_check', { project: 'mobile' });
    assert.equal(other.structuredContent.allowed, true);
    const list = await call('metrics_budget_list');
    assert.equal(list.structuredContent.budgets.length, 1);
    const bad = await call('metrics_budget_set', { scope: 'planet', limit_usd: 1 });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /accepted: global, project, agent, team, model/);
  });

  test('forecast, recommendations and prices answer with their basis', async () => {
    const { structuredContent: forecast } = await call('metrics_forecast', {
      window_hours: 1, period: 'day', remaining: [{ task: 'review', count: 2 }],
    });
    assert.ok(forecast.burn_rate.basis.calls >= 3);
    assert.ok(forecast.period_projection.projected_total_usd >= forecast.period_projection.spent_usd);
    assert.equal(forecast.remaining_work.tasks_without_history, 1);
    const { structuredContent: recommendations } = await call('metrics_recommendations', { min_samples: 1 });
    assert.ok(Array.isArray(recommendations.recommendations));
    const { structuredContent: prices } = await call('metrics_prices', { model: 'claude-haiku-4-5' });
    assert.equal(prices.match, 'claude-haiku-4-5');
    assert.ok(prices.prices['claude-haiku-4-5'].input_cost_per_token > 0);
  });

  test('the plugin logged no write failure', () => {
    assert.doesNotMatch(stderr, /metrics: writing records failed/);
  });
});

describe('metrics HTTP API', () => {
  let child;
  let dir;
  let base;
  let stderr = '';

  before(async () => {
    let configPath;
    ({ dir, configPath } = writeConfig());
    child = spawn(requiredEnv('SWITCHBOARD_BINARY'), ['--config', configPath, '--http', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed\n${stderr}`)), 15000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /at (http:\/\/\S+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    base = `${new URL(url).origin}/api/v1/metrics`;
  });

  after(async () => {
    if (child) {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, `the server exits cleanly on SIGTERM\n${stderr}`);
    }
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(stderr, SANITIZER_REPORT);
  });

  test('records over POST, answers JSON and CSV, and serves Prometheus text', async () => {
    const post = await fetch(`${base}/llm-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', model: 'gpt-4o', input_tokens: 10000, cache_read_tokens: 4000, output_tokens: 1000, project: 'api' }),
    });
    assert.equal(post.status, 200, await post.clone().text());
    near((await post.json()).cost_usd, 0.03, 'gpt-4o cost');

    const summary = await fetch(`${base}/summary`);
    assert.equal(summary.status, 200);
    assert.equal((await summary.json()).llm.calls, 1);

    const csv = await fetch(`${base}/breakdown?group_by=project,model&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[0].split(',').includes('cost_usd'));
    assert.ok(lines[1].includes('api'));

    const filtered = await fetch(`${base}/breakdown?group_by=model&project=nothing`);
    assert.equal((await filtered.json()).rows.length, 0);

    const bad = await fetch(`${base}/timeseries?bucket=year`);
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /hour, day, week or month/);

    const budget = await fetch(`${base}/budgets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'global', period: 'day', limit_usd: 100 }),
    });
    assert.equal(budget.status, 200);

    const prometheus = await fetch(`${base}/prometheus`);
    assert.equal(prometheus.status, 200);
    assert.match(prometheus.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await prometheus.text();
    assert.match(text, /# TYPE gen_ai_client_token_usage histogram/);
    assert.match(text, /gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="input"\} 10000/);
    assert.match(text, /switchboard_budget_limit_usd\{[^}]*scope="global"[^}]*\} 100/);
  });
});

describe('batched recording and shutdown', () => {
  // No timer flush during the test (flush_interval_ms is long): only the shutdown can write the
  // queued tool calls, and a second server on the same data directory must find them.
  const { dir, configPath } = writeConfig({
    plugins: { metrics: { config: { flush_interval_ms: 60000 } }, conformance_fixture: {} },
  });
  const connect = async () => {
    let stderr = '';
    const transport = new StdioClientTransport({
      command: requiredEnv('SWITCHBOARD_BINARY'),
      args: ['--config', configPath, '--stdio'],
      stderr: 'pipe',
    });
    transport.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    const client = new Client({ name: 'metrics-e2e-shutdown', version: '1.0.0' });
    await client.connect(transport);
    return { client, stderr: () => stderr };
  };

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('tool calls queued at a clean shutdown are written, and a restart finds them', async () => {
    const first = await connect();
    for (let i = 0; i < 7; i++) assert.ok(!(await first.client.callTool({ name: 'test_simple_text', arguments: {} })).isError);
    await first.client.close();
    await sleep(500); // the host flushes the plugin's queue as it exits
    assert.doesNotMatch(first.stderr(), SANITIZER_REPORT);

    const second = await connect();
    const { structuredContent } = await second.client.callTool({
      name: 'metrics_breakdown',
      arguments: { source: 'tools', group_by: ['tool'] },
    });
    await second.client.close();
    const row = structuredContent.rows.find((r) => r.tool === 'test_simple_text');
    assert.equal(row?.calls, 7, JSON.stringify(structuredContent.rows));
    assert.doesNotMatch(second.stderr(), SANITIZER_REPORT);
  });
});
