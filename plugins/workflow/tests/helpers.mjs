// helpers.mjs: starts the real switchboard binary with workflow.so and the test-only wftest.so,
// and connects the official TypeScript SDK client over stdio.
//
// ctest sets SWITCHBOARD_BINARY, WORKFLOW_PLUGIN_DIR (where workflow.so is), WFTEST_PLUGIN_DIR
// (where wftest.so and the test spawner wfspawner.so are), METRICS_PLUGIN_DIR (metrics.so) and
// KNOWLEDGE_PLUGIN_DIR (knowledge.so).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the suite through ctest (ctest -R workflow)`);
  return value;
}

// A fresh directory with a config; reuse `dir` across host restarts to keep the data.
// `spawner`: also load the test spawner (spawner_run); `metrics`, `knowledge`: also load that plugin.
export function makeWorkspace({ workflowConfig = {}, spawner = false, metrics = false, knowledge = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-workflow-'));
  const logFile = join(dir, 'wftest.log');
  const pluginPaths = [requiredEnv('WORKFLOW_PLUGIN_DIR'), requiredEnv('WFTEST_PLUGIN_DIR')];
  if (metrics) pluginPaths.push(requiredEnv('METRICS_PLUGIN_DIR'));
  if (knowledge) pluginPaths.push(requiredEnv('KNOWLEDGE_PLUGIN_DIR'));
  const config = {
    data_dir: join(dir, 'data'),
    plugin_paths: pluginPaths,
    discover: false,
    plugins: {
      workflow: { config: { resume_delay_ms: 100, ...workflowConfig } },
      wftest: { config: { log_file: logFile } },
      ...(spawner ? { wfspawner: {} } : {}),
      ...(metrics ? { metrics: { config: { flush_interval_ms: 50 } } } : {}),
      ...(knowledge ? { knowledge: {} } : {}),
    },
    log: { level: 'info' },
  };
  const configPath = join(dir, 'switchboard.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath, logFile };
}

// Starts the host on `workspace` and connects a client. Returns { client, pid, stderr(), close() }.
// `capabilities` are the client's (e.g. { elicitation: {} }); `setup(client)` runs before connecting,
// to register request handlers.
export async function startHost(workspace, { capabilities = {}, setup = () => {} } = {}) {
  const transport = new StdioClientTransport({
    command: requiredEnv('SWITCHBOARD_BINARY'),
    args: ['--config', workspace.configPath, '--stdio'],
    stderr: 'pipe',
  });
  let stderrText = '';
  transport.stderr.on('data', (chunk) => {
    stderrText += chunk.toString();
  });
  const client = new Client({ name: 'workflow-tests', version: '1.0.0' }, { capabilities });
  setup(client);
  client.onerror = () => {};  // a killed host closes the pipe under the client
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`connect failed: ${error.message}\n--- host stderr ---\n${stderrText}`);
  }
  return {
    client,
    pid: transport.pid,  // set once connect() spawned the process
    stderr: () => stderrText,
    async close() {
      await client.close();
    },
  };
}

// Calls a tool and returns structuredContent; throws with the text when the result is an error.
export async function call(client, name, args = {}, options = {}) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  if (result.isError) {
    const error = new Error(result.content.map((c) => c.text).join('\n'));
    error.result = result;
    throw error;
  }
  return result.structuredContent;
}

// Calls a tool expected to fail; returns its error text.
export async function callError(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) throw new Error(`${name} succeeded but was expected to fail: ${JSON.stringify(result)}`);
  return result.content.map((c) => c.text).join('\n');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls workflow_status until the run is no longer running.
export async function waitForRun(client, runId, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await call(client, 'workflow_status', { run_id: runId });
    if (run.status !== 'running') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running: ${JSON.stringify(run)}`);
    await sleep(50);
  }
}
