// integration.test.mjs: the workflow plugin over the real host, driven by the TypeScript SDK
// client: data flow across a DAG, retries, cancellation reaching a hanging tool, bad definitions,
// resources and progress.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { call, callError, makeWorkspace, sleep, startHost, waitForRun } from './helpers.mjs';

let workspace;
let host;

before(async () => {
  workspace = makeWorkspace();
  host = await startHost(workspace);
});

after(async () => {
  await host?.close();
  if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
});

test('tools and the schema resource are offered', async () => {
  const { tools } = await host.client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ['workflow_define', 'workflow_validate', 'workflow_list', 'workflow_get', 'workflow_run',
    'workflow_status', 'workflow_cancel', 'workflow_history', 'workflow_schedule'])
    assert.ok(names.includes(name), `${name} missing`);
  const schema = await host.client.readResource({ uri: 'workflow://schema' });
  assert.equal(JSON.parse(schema.contents[0].text).title, 'Switchboard workflow definition');
});

test('a 3-task DAG passes data between tasks, pinned to its version', async () => {
  const definition = {
    name: 'sum3',
    tasks: [
      { id: 'first', tool: 'wftest_add', arguments: { a: '{{ input.x }}', b: 1 } },
      { id: 'second', tool: 'wftest_add', arguments: { a: '{{ input.y }}', b: 10 } },
      {
        id: 'total',
        tool: 'wftest_count',
        after: ['first', 'second'],
        when: 'tasks.first.output.sum > 0',
        arguments: { value: 'sum={{ tasks.first.output.sum + tasks.second.output.sum }}' },
      },
      { id: 'never', tool: 'wftest_add', after: ['total'], when: 'input.x > 100', arguments: { a: 1, b: 1 } },
    ],
    outputs: { total: '{{ tasks.total.output.value }}', key: '{{ tasks.total.output.key }}' },
  };
  const v1 = await call(host.client, 'workflow_define', { definition });
  assert.deepEqual(v1, { name: 'sum3', version: 1 });
  const v2 = await call(host.client, 'workflow_define', { definition: { ...definition, description: 'v2' } });
  assert.equal(v2.version, 2);

  const progress = [];
  const run = await call(host.client, 'workflow_run', { name: 'sum3', version: 1, input: { x: 2, y: 3 }, wait: true },
    { onprogress: (p) => progress.push(p) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.equal(run.version, 1);
  assert.equal(run.output.total, 'sum=16');
  assert.equal(run.output.key, `${run.run_id}/total/1`);  // the idempotency key reached the tool in _meta
  const byId = Object.fromEntries(run.tasks.map((t) => [t.id, t]));
  assert.equal(byId.total.input.value, 'sum=16');
  assert.equal(byId.never.status, 'skipped');
  assert.ok(progress.length > 0, 'progress notifications while waiting');

  // Bus events, as another plugin (wftest subscribes to workflow.#) sees them.
  // Delivery is asynchronous: the answer to workflow_run may overtake the last events.
  let mine = [];
  for (let i = 0; i < 100 && !mine.some((e) => e.topic === 'workflow.run.completed'); i += 1) {
    const { events: bus } = await call(host.client, 'wftest_stats');
    mine = bus.filter((e) => e.payload.run_id === run.run_id);
    await sleep(10);
  }
  assert.equal(mine[0].topic, 'workflow.run.started');
  assert.equal(mine.filter((e) => e.topic.startsWith('workflow.run.')).at(-1).topic, 'workflow.run.completed');
  const updates = mine.filter((e) => e.topic === 'workflow.task.updated');
  assert.ok(updates.some((e) => e.payload.task === 'total' && e.payload.status === 'succeeded'));
  assert.equal(Math.max(...updates.map((e) => e.payload.progress)), 1);

  const resource = await host.client.readResource({ uri: `workflow://runs/${run.run_id}` });
  assert.equal(JSON.parse(resource.contents[0].text).status, 'succeeded');
  const { events } = await call(host.client, 'workflow_history', { run_id: run.run_id });
  assert.equal(events[0].type, 'run.started');
  assert.equal(events.at(-1).type, 'run.succeeded');
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
});

test('a failing task is retried with backoff and then succeeds', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'flaky',
      tasks: [{
        id: 'shaky',
        tool: 'wftest_flaky',
        arguments: { name: 'retry-test', failures: 2, value: 'ok' },
        retry: { max_attempts: 3, initial_interval: '50ms', backoff_factor: 2 },
      }],
    },
  });
  const started = Date.now();
  const run = await call(host.client, 'workflow_run', { name: 'flaky', wait: true });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.equal(run.tasks[0].attempt, 3);
  assert.equal(run.tasks[0].output.calls, 3);
  assert.ok(Date.now() - started >= 150, 'waited 50 ms + 100 ms between attempts');
  const { events } = await call(host.client, 'workflow_history', { run_id: run.run_id });
  const retries = events.filter((e) => e.type === 'task.retrying');
  assert.deepEqual(retries.map((e) => e.data.delay_ms), [50, 100]);
  assert.equal(retries[0].data.error_kind, 'tool_error');

  // Too few attempts: the run fails with the tool's error.
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'flaky2',
      tasks: [{ id: 'shaky', tool: 'wftest_flaky', arguments: { name: 'fail-test', failures: 5 },
        retry: { max_attempts: 2, initial_interval: 10 } }],
    },
  });
  const failed = await call(host.client, 'workflow_run', { name: 'flaky2', wait: true });
  assert.equal(failed.status, 'failed');
  assert.match(failed.error, /flaky failure 2 for fail-test/);
});

test('cancellation reaches a hanging tool', async () => {
  await call(host.client, 'workflow_define', {
    definition: { name: 'hang', tasks: [{ id: 'stuck', tool: 'wftest_hang' }, { id: 'later', tool: 'wftest_add', after: ['stuck'], arguments: { a: 1, b: 2 } }] },
  });
  const before = await call(host.client, 'wftest_stats');
  const { run_id } = await call(host.client, 'workflow_run', { name: 'hang' });
  for (let i = 0; ; i++) {
    const stats = await call(host.client, 'wftest_stats');
    if (stats.hang_started > before.hang_started) break;
    assert.ok(i < 200, 'the hanging tool never started');
    await sleep(10);
  }
  const cancelled = await call(host.client, 'workflow_cancel', { run_id });
  assert.equal(cancelled.status, 'cancelled');
  assert.deepEqual(cancelled.tasks.map((t) => t.status), ['cancelled', 'cancelled']);
  for (let i = 0; ; i++) {
    const stats = await call(host.client, 'wftest_stats');
    if (stats.cancelled > before.cancelled) break;
    assert.ok(i < 200, 'the hanging tool never saw the cancellation');
    await sleep(10);
  }
  assert.match(await callError(host.client, 'workflow_cancel', { run_id }), /already cancelled/);
});

test('a timeout cancels the call and fails the attempt', async () => {
  await call(host.client, 'workflow_define', {
    definition: { name: 'slow', tasks: [{ id: 'stuck', tool: 'wftest_hang', timeout: '100ms', retry: { max_attempts: 2, initial_interval: 10, non_retryable: ['timeout'] } }] },
  });
  const run = await call(host.client, 'workflow_run', { name: 'slow', wait: true });
  assert.equal(run.status, 'failed');
  assert.equal(run.tasks[0].error_kind, 'timeout');
  assert.equal(run.tasks[0].attempt, 1, 'timeout is non-retryable here');
});

test('wait tasks and an unknown tool', async () => {
  await call(host.client, 'workflow_define', {
    definition: { name: 'waits', tasks: [{ id: 'nap', kind: 'wait', duration: '120ms' }, { id: 'missing', tool: 'nope_tool', after: ['nap'] }] },
  });
  const started = Date.now();
  const run = await call(host.client, 'workflow_run', { name: 'waits', wait: true });
  assert.ok(Date.now() - started >= 120);
  assert.equal(run.tasks[0].status, 'succeeded');
  assert.equal(run.tasks[1].status, 'failed');
  assert.equal(run.tasks[1].error_kind, 'call_error');
  assert.equal(run.status, 'failed');
});

test('bad definitions and bad inputs get clear errors, and stored runs are untouched', async () => {
  const { runs: runsBefore } = await call(host.client, 'workflow_list', { what: 'runs' });
  const bad = {
    name: 'bad',
    tasks: [
      { id: 'a', tool: 'x', after: ['c'] },
      { id: 'b', tool: 'x', after: ['a', 'ghost'] },
      { id: 'c', tool: 'x', after: ['a'], when: 'tasks.a.output >' },
      { id: 'd', kind: 'agent' },
    ],
  };
  const text = await callError(host.client, 'workflow_define', { definition: bad });
  assert.match(text, /\$\.tasks\[1\]\.after\[1\]: unknown task 'ghost'/);
  assert.match(text, /\$\.tasks\[3\]\.agent: an agent task needs the agent \(or role\) to delegate to/);
  assert.match(text, /\$\.tasks\[3\]\.prompt: an agent task needs the prompt/);

  const cycle = await call(host.client, 'workflow_validate', {
    definition: { name: 'cyc', tasks: [{ id: 'a', tool: 'x', after: ['b'] }, { id: 'b', tool: 'x', after: ['a'] }] },
  });
  assert.equal(cycle.valid, false);
  assert.equal(cycle.problems[0].path, '$.tasks[1].after[0]');
  assert.match(cycle.problems[0].message, /dependency cycle: a -> b -> a/);

  const expr = await call(host.client, 'workflow_validate', {
    definition: { name: 'ex', tasks: [{ id: 'a', tool: 'x', arguments: { q: '{{ input.x == }}' } }] },
  });
  assert.equal(expr.problems[0].path, '$.tasks[0].arguments');
  assert.match(expr.problems[0].message, /\$\.tasks\[0\]\.arguments\.q: bad expression/);

  assert.match(await callError(host.client, 'workflow_run', { name: 'does-not-exist' }), /no workflow named "does-not-exist"/);
  assert.match(await callError(host.client, 'workflow_run', { name: 'sum3', input: [1] }), /`input` must be an object/);
  assert.match(await callError(host.client, 'workflow_status', { run_id: 'run_nope' }), /no run with id "run_nope"/);
  assert.match(await callError(host.client, 'workflow_get', { name: 'bad' }), /no workflow named "bad"/);

  const { runs: runsAfter } = await call(host.client, 'workflow_list', { what: 'runs' });
  assert.deepEqual(runsAfter, runsBefore);
  const { definitions } = await call(host.client, 'workflow_list');
  assert.ok(!definitions.some((d) => d.name === 'bad'));
});

test('pause holds new tasks back, resume carries on; runs are subscribable resources', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'pausable',
      tasks: [
        { id: 'one', tool: 'wftest_count', arguments: { ms: 400, value: 1 } },
        { id: 'two', tool: 'wftest_count', after: ['one'], arguments: { ms: 10, value: 2 } },
      ],
    },
  });
  const { run_id } = await call(host.client, 'workflow_run', { name: 'pausable' });
  const updates = [];
  host.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
  await host.client.subscribeResource({ uri: `workflow://runs/${run_id}` });

  // Pause while `one` runs: a pause that came before its start would hold it back too (seen
  // under ASan on a loaded machine), and this test is about the task after it.
  const deadline = Date.now() + 10000;
  while ((await call(host.client, 'workflow_status', { run_id })).tasks[0].status !== 'running') {
    assert.ok(Date.now() < deadline, 'task one never started');
    await sleep(5);
  }
  const paused = await call(host.client, 'workflow_pause', { run_id });
  assert.equal(paused.status, 'paused');
  await sleep(800);  // `one` finishes meanwhile; `two` must not start
  const held = await call(host.client, 'workflow_status', { run_id });
  assert.equal(held.status, 'paused');
  assert.deepEqual(held.tasks.map((t) => t.status), ['succeeded', 'pending']);
  assert.match(await callError(host.client, 'workflow_pause', { run_id }), /only a running run can be paused/);

  const resumed = await call(host.client, 'workflow_resume', { run_id });
  assert.equal(resumed.status, 'running');
  const done = await waitForRun(host.client, run_id);
  assert.equal(done.status, 'succeeded');
  assert.match(await callError(host.client, 'workflow_resume', { run_id }), /only a paused run can be resumed/);
  assert.ok(updates.includes(`workflow://runs/${run_id}`), 'resources/updated for the run');
});

test('retrying a failed task re-runs it and the tasks it blocked', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'retry-me',
      tasks: [
        { id: 'shaky', tool: 'wftest_flaky', arguments: { name: 'manual-retry', failures: 1, value: 5 } },
        { id: 'after_shaky', tool: 'wftest_add', after: ['shaky'], arguments: { a: '{{ tasks.shaky.output.value }}', b: 1 } },
      ],
      outputs: '{{ tasks.after_shaky.output.sum }}',
    },
  });
  const failed = await call(host.client, 'workflow_run', { name: 'retry-me', wait: true });
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.tasks.map((t) => t.status), ['failed', 'skipped']);
  assert.match(await callError(host.client, 'workflow_retry', { run_id: failed.run_id, task: 'after_shaky' }),
    /did not fail/);

  const retried = await call(host.client, 'workflow_retry', { run_id: failed.run_id, task: 'shaky' });
  assert.equal(retried.status, 'running');
  const done = await waitForRun(host.client, failed.run_id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(done.output, 6);
  assert.equal(done.tasks[0].attempt, 2);
  assert.match(await callError(host.client, 'workflow_retry', { run_id: failed.run_id, task: 'shaky' }),
    /retry applies to a failed run/);
});
