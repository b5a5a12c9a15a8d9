// limits.test.mjs: dispatch limits over the real host: a pool of 1 never has two calls in flight
// while a second pool runs its calls side by side, held calls say why they wait (status and
// history), an unknown pool is refused at define time, a pool's rate spaces its calls, runs of
// equal priority take turns in a pool, and a plugin limit caps the calls of one plugin's tools.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { call, callError, makeWorkspace, startHost, waitForRun } from './helpers.mjs';

let workspace;
let host;

before(async () => {
  workspace = makeWorkspace({
    workflowConfig: {
      max_concurrency: 16,
      pools: {
        single: { max_concurrency: 1 },
        wide: { max_concurrency: 4 },
        paced: { rate: { calls: 1, per_seconds: 1 } },
      },
    },
  });
  host = await startHost(workspace);
});

after(async () => {
  await host?.close();
  if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
});

const counted = (id, pool, group, ms) => ({ id, tool: 'wftest_count', pool, arguments: { ms, group } });

test('a pool of 1 holds its calls one at a time while another pool runs in parallel', async () => {
  const tasks = [];
  for (let i = 0; i < 4; ++i) tasks.push(counted(`s${i}`, 'single', 'single', 150));
  for (let i = 0; i < 4; ++i) tasks.push(counted(`w${i}`, 'wide', 'wide', 300));
  await call(host.client, 'workflow_define', { definition: { name: 'pools', tasks } });
  const started = Date.now();
  const { run_id: runId } = await call(host.client, 'workflow_run', { name: 'pools' });
  // While the single pool holds its tasks, workflow_status says so.
  let held = [];
  for (let i = 0; i < 100 && held.length === 0; ++i) {
    const status = await call(host.client, 'workflow_status', { run_id: runId });
    held = status.tasks.filter((t) => t.waiting_for === 'pool single');
    if (status.status !== 'running') break;
  }
  assert.ok(held.length > 0 && held.every((t) => t.id.startsWith('s') && t.status === 'pending'), JSON.stringify(held));
  const run = await waitForRun(host.client, runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.ok(Date.now() - started >= 4 * 150, 'four 150 ms calls one after another take 600 ms or more');
  const stats = await call(host.client, 'wftest_stats');
  assert.equal(stats.count_max_in_flight_by_group.single, 1);
  assert.equal(stats.count_max_in_flight_by_group.wide, 4, 'the wide pool is not held behind the single one');
  const { events } = await call(host.client, 'workflow_history', { run_id: runId, limit: 1000 });
  const waiting = events.filter((e) => e.type === 'task.waiting');
  assert.ok(waiting.length >= 3, JSON.stringify(waiting));
  assert.ok(waiting.every((e) => e.data.for === 'pool single' && e.task.startsWith('s')), JSON.stringify(waiting));
});

test('an unknown pool is a define-time problem with its path', async () => {
  const text = await callError(host.client, 'workflow_define', {
    definition: { name: 'badpool', tasks: [{ id: 'a', tool: 'wftest_add', pool: 'nope', arguments: { a: 1, b: 2 } }] },
  });
  assert.match(text, /\$\.tasks\[0\]\.pool: unknown pool 'nope'/);
});

test('a pool rate of 1 call per second spaces the calls', async () => {
  const tasks = [0, 1, 2].map((i) => ({ id: `r${i}`, tool: 'wftest_add', pool: 'paced', arguments: { a: i, b: 0 } }));
  await call(host.client, 'workflow_define', { definition: { name: 'paced', tasks } });
  const started = Date.now();
  const { run_id: runId } = await call(host.client, 'workflow_run', { name: 'paced', priority: 3 });
  const run = await waitForRun(host.client, runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  // The bucket starts with one token: the second call waits ~1 s, the third ~2 s.
  assert.ok(Date.now() - started >= 1800, `took only ${Date.now() - started} ms`);
  const { events } = await call(host.client, 'workflow_history', { run_id: runId, limit: 1000 });
  assert.ok(events.some((e) => e.type === 'task.waiting' && e.data.for === 'rate paced'), JSON.stringify(events));
  const starts = run.tasks.map((t) => t.started_at_ms).sort((a, b) => a - b);
  assert.ok(starts[2] - starts[0] >= 1800, JSON.stringify(starts));
});

test('runs of equal priority take turns: a later run is not held behind another run\'s backlog', async () => {
  const backlog = [];
  for (let i = 0; i < 6; ++i) backlog.push(counted(`b${i}`, 'single', 'turns', 150));
  await call(host.client, 'workflow_define', { definition: { name: 'backlog', tasks: backlog } });
  await call(host.client, 'workflow_define', { definition: { name: 'one', tasks: [counted('only', 'single', 'turns', 10)] } });
  const { run_id: bigId } = await call(host.client, 'workflow_run', { name: 'backlog' });
  for (let i = 0; i < 200; ++i) {
    const status = await call(host.client, 'workflow_status', { run_id: bigId });
    if (status.tasks.some((t) => t.status === 'running')) break;
  }
  const one = await call(host.client, 'workflow_run', { name: 'one', wait: true });
  assert.equal(one.status, 'succeeded', JSON.stringify(one));
  const big = await waitForRun(host.client, bigId);
  assert.equal(big.status, 'succeeded', JSON.stringify(big));
  const startedOne = one.tasks[0].started_at_ms;
  const ahead = big.tasks.filter((t) => t.started_at_ms < startedOne).map((t) => t.id);
  // The backlog's call in flight, and at most the one that shares the later run's turn.
  assert.ok(ahead.length >= 1 && ahead.length <= 2, `started before the later run's call: ${ahead}`);
});

test("plugin_limits caps the calls in flight of one plugin's tools, found through the host's catalog", async () => {
  const limited = makeWorkspace({ workflowConfig: { max_concurrency: 16, plugin_limits: { wftest: 2 } } });
  const limitedHost = await startHost(limited);
  try {
    const tasks = [0, 1, 2, 3, 4, 5].map((i) => counted(`p${i}`, undefined, 'plugin', 150));
    tasks.push({ id: 'sum', tool: 'wftest_add', arguments: { a: 1, b: 2 } });
    await call(limitedHost.client, 'workflow_define', { definition: { name: 'per_plugin', tasks } });
    const { run_id: runId } = await call(limitedHost.client, 'workflow_run', { name: 'per_plugin' });
    const run = await waitForRun(limitedHost.client, runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    const stats = await call(limitedHost.client, 'wftest_stats');
    assert.equal(stats.count_max_in_flight_by_group.plugin, 2, JSON.stringify(stats));
    const { events } = await call(limitedHost.client, 'workflow_history', { run_id: runId, limit: 1000 });
    const waiting = events.filter((e) => e.type === 'task.waiting');
    assert.ok(waiting.length >= 4, JSON.stringify(waiting));
    assert.ok(waiting.every((e) => e.data.for === 'plugin wftest'), JSON.stringify(waiting));
  } finally {
    await limitedHost.close();
    rmSync(limited.dir, { recursive: true, force: true });
  }
});
