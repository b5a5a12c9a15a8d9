// kinds.test.mjs: the task kinds beyond tool and wait (switch, map, approval and signals,
// sub-workflows) over the real host, driven by the TypeScript SDK client.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { call, callError, makeWorkspace, startHost, waitForRun } from './helpers.mjs';

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

const byId = (run) => Object.fromEntries(run.tasks.map((t) => [t.id, t]));

test('a switch runs the first branch that holds and skips the others', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'router',
      tasks: [
        { id: 'size', tool: 'wftest_add', arguments: { a: '{{ input.n }}', b: 0 } },
        {
          id: 'route', kind: 'switch', after: ['size'],
          cases: [
            { when: 'tasks.size.output.sum > 100', then: ['big'] },
            { when: 'tasks.size.output.sum > 10', then: ['medium', 'medium_too'] },
          ],
          default: ['small'],
        },
        { id: 'big', tool: 'wftest_add', arguments: { a: 1, b: 0 } },
        { id: 'medium', tool: 'wftest_add', arguments: { a: 2, b: 0 } },
        { id: 'medium_too', tool: 'wftest_add', arguments: { a: '{{ tasks.route.output.case }}', b: 0 } },
        { id: 'small', tool: 'wftest_add', arguments: { a: 3, b: 0 } },
        { id: 'join', tool: 'wftest_add', after: ['medium'], arguments: { a: '{{ tasks.medium.output.sum }}', b: 10 } },
      ],
      outputs: { case: '{{ tasks.route.output.case }}' },
    },
  });
  const medium = await call(host.client, 'workflow_run', { name: 'router', input: { n: 50 }, wait: true });
  assert.equal(medium.status, 'succeeded', JSON.stringify(medium));
  const tasks = byId(medium);
  assert.equal(medium.output.case, 1);
  assert.deepEqual(tasks.route.output, { case: 1, tasks: ['medium', 'medium_too'] });
  assert.equal(tasks.medium_too.output.sum, 1);
  assert.equal(tasks.join.output.sum, 12);
  assert.equal(tasks.big.status, 'skipped');
  assert.equal(tasks.small.status, 'skipped');

  const small = await call(host.client, 'workflow_run', { name: 'router', input: { n: 1 }, wait: true });
  assert.equal(small.output.case, 'default');
  assert.equal(byId(small).small.status, 'succeeded');
  assert.equal(byId(small).join.status, 'skipped');  // its dependency was on a branch not taken
});

test('a map calls the tool per item under its concurrency and keeps the item order', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'fanout',
      tasks: [
        { id: 'list', tool: 'wftest_count', arguments: { value: '{{ input.values }}' } },
        {
          id: 'each', kind: 'map', after: ['list'], items: '{{ tasks.list.output.value }}', concurrency: 2,
          tool: 'wftest_count', arguments: { ms: 40, value: '{{ index }}:{{ item }}' },
        },
        { id: 'sum', tool: 'wftest_add', after: ['each'], arguments: { a: '{{ len(tasks.each.output) }}', b: 0 } },
      ],
      outputs: { values: '{{ tasks.each.output }}', count: '{{ tasks.sum.output.sum }}' },
    },
  });
  const before = await call(host.client, 'wftest_stats');
  const run = await call(host.client, 'workflow_run', { name: 'fanout', input: { values: ['a', 'b', 'c', 'd', 'e'] }, wait: true });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.deepEqual(run.output.values.map((o) => o.value), ['0:a', '1:b', '2:c', '3:d', '4:e']);
  assert.equal(run.output.count, 5);
  // Each item had its own idempotency key, and at most 2 ran at once.
  assert.deepEqual(run.output.values.map((o) => o.key), [0, 1, 2, 3, 4].map((i) => `${run.run_id}/each[${i}]/1`));
  const after = await call(host.client, 'wftest_stats');
  assert.ok(after.count_max_in_flight <= Math.max(2, before.count_max_in_flight), `max in flight ${after.count_max_in_flight}`);
  const each = byId(run).each;
  assert.equal(each.items.length, 5);
  assert.deepEqual(each.items.map((i) => i.status), Array(5).fill('succeeded'));
  assert.equal(run.progress, 1);

  const empty = await call(host.client, 'workflow_run', { name: 'fanout', input: { values: [] }, wait: true });
  assert.equal(empty.status, 'succeeded');
  assert.deepEqual(empty.output.values, []);

  const notAList = await call(host.client, 'workflow_run', { name: 'fanout', input: { values: 'abc' }, wait: true });
  assert.equal(notAList.status, 'failed');
  assert.equal(byId(notAList).each.error_kind, 'bad_arguments');
  assert.match(byId(notAList).each.error, /not an array but "abc"/);
});

test('a failed map item fails the map; a retry runs only the items that did not succeed', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'flakymap',
      tasks: [{
        id: 'each', kind: 'map', items: '{{ input.names }}', concurrency: 1,
        tool: 'wftest_flaky', arguments: { name: '{{ item }}', failures: '{{ default(input.failures[item], 0) }}', value: '{{ item }}' },
      }],
      outputs: '{{ tasks.each.output }}',
    },
  });
  const failed = await call(host.client, 'workflow_run', {
    name: 'flakymap', input: { names: ['m1', 'm2', 'm3'], failures: { m2: 1 } }, wait: true });
  assert.equal(failed.status, 'failed', JSON.stringify(failed));
  const each = byId(failed).each;
  assert.match(each.error, /^item 1 failed: flaky failure 1 for m2/);
  assert.equal(each.error_kind, 'tool_error');
  assert.deepEqual(each.items.map((i) => i.status), ['succeeded', 'failed']);  // m3 never started

  const retried = await call(host.client, 'workflow_retry', { run_id: failed.run_id, task: 'each' });
  assert.ok(['running', 'succeeded'].includes(retried.status), retried.status);  // it may finish at once
  const run = await waitForRun(host.client, failed.run_id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.deepEqual(run.output.map((o) => o.value), ['m1', 'm2', 'm3']);
  const { flaky } = await call(host.client, 'wftest_stats');
  assert.deepEqual([flaky.m1, flaky.m2, flaky.m3], [1, 2, 1]);  // m1 did not run again
  assert.equal(byId(run).each.items[1].attempt, 2);
});

test('a wait for a signal gets its payload, also when the signal came first', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'gated',
      tasks: [
        { id: 'slow', tool: 'wftest_count', arguments: { ms: 150 } },
        { id: 'gate', kind: 'wait', signal: 'go', after: ['slow'] },
        { id: 'second', kind: 'wait', signal: 'go', after: ['gate'] },
        { id: 'use', tool: 'wftest_add', after: ['second'], arguments: { a: '{{ tasks.gate.output.n }}', b: '{{ tasks.second.output.n }}' } },
      ],
      outputs: '{{ tasks.use.output.sum }}',
    },
  });
  const { run_id } = await call(host.client, 'workflow_run', { name: 'gated' });
  await call(host.client, 'workflow_signal', { run_id, name: 'go', payload: { n: 1 } });  // before `gate` waits
  await new Promise((r) => setTimeout(r, 300));
  const waiting = await call(host.client, 'workflow_status', { run_id });
  assert.equal(byId(waiting).gate.status, 'succeeded');
  assert.equal(byId(waiting).second.status, 'running');  // signals are consumed once, in order
  await call(host.client, 'workflow_signal', { run_id, name: 'go', payload: { n: 41 } });
  const done = await waitForRun(host.client, run_id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(done.output, 42);
  const { events } = await call(host.client, 'workflow_history', { run_id });
  assert.equal(events.filter((e) => e.type === 'signal.received').length, 2);

  assert.match(await callError(host.client, 'workflow_signal', { run_id, name: 'go' }), /is succeeded; signals go to running or paused runs/);
  assert.match(await callError(host.client, 'workflow_signal', { run_id: 'run_nope', name: 'go' }), /no run/);
});

test('a wait for a signal that does not come times out', async () => {
  await call(host.client, 'workflow_define', {
    definition: { name: 'impatient', tasks: [{ id: 'gate', kind: 'wait', signal: 'never', timeout: 100 }] },
  });
  const run = await call(host.client, 'workflow_run', { name: 'impatient', wait: true });
  assert.equal(run.status, 'failed');
  assert.equal(byId(run).gate.error_kind, 'timeout');
  assert.match(byId(run).gate.error, /no signal 'never' within 100 ms/);
});

test('an approval is decided by a signal: approved runs on, rejected fails', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'deploy',
      tasks: [
        { id: 'ok', kind: 'approval', message: 'Deploy to {{ input.env }}?' },
        { id: 'ship', tool: 'wftest_add', after: ['ok'], arguments: { a: 1, b: 1 } },
      ],
    },
  });
  const { run_id } = await call(host.client, 'workflow_run', { name: 'deploy', input: { env: 'prod' } });
  let run;
  for (let i = 0; i < 50 && byId(run ?? { tasks: [] }).ok?.status !== 'running'; i += 1)
    run = await call(host.client, 'workflow_status', { run_id });
  assert.equal(byId(run).ok.input.message, 'Deploy to prod?');
  assert.match(await callError(host.client, 'workflow_signal', { run_id, name: 'ok', payload: { yes: 1 } }),
    /decides approval task 'ok': send \{"approved": true or false/);
  await call(host.client, 'workflow_signal', { run_id, name: 'ok', payload: { approved: false, comment: 'not today' } });
  const rejected = await waitForRun(host.client, run_id);
  assert.equal(rejected.status, 'failed');
  assert.equal(byId(rejected).ok.error_kind, 'rejected');
  assert.equal(byId(rejected).ok.error, 'rejected: not today');
  assert.equal(byId(rejected).ship.status, 'skipped');

  const second = await call(host.client, 'workflow_run', { name: 'deploy', input: { env: 'test' } });
  await call(host.client, 'workflow_signal', { run_id: second.run_id, name: 'ok', payload: { approved: true, by: 'ops' } });
  const approved = await waitForRun(host.client, second.run_id);
  assert.equal(approved.status, 'succeeded');
  assert.deepEqual(byId(approved).ok.output.approved, true);
  assert.equal(byId(approved).ok.output.by, 'ops');
});

test('an approval asks a waiting client through elicitation', async () => {
  const asked = [];
  const own = makeWorkspace();  // a second host must not share the first one's database
  const elicitingHost = await startHost(own, {
    capabilities: { elicitation: {} },
    setup: (client) => client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: 'accept', content: { approved: true, comment: 'go ahead' } };
    }),
  });
  try {
    await call(elicitingHost.client, 'workflow_define', {
      definition: { name: 'deploy', tasks: [{ id: 'ok', kind: 'approval', message: 'Deploy to {{ input.env }}?' }] },
    });
    const run = await call(elicitingHost.client, 'workflow_run', { name: 'deploy', input: { env: 'staging' }, wait: true });
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(asked.length, 1);
    assert.equal(asked[0].message, 'Deploy to staging?');
    assert.deepEqual(asked[0].requestedSchema.required, ['approved']);
    assert.deepEqual(byId(run).ok.output, { approved: true, by: 'elicitation', comment: 'go ahead', signal_seq: byId(run).ok.output.signal_seq });
  } finally {
    await elicitingHost.close();
    rmSync(own.dir, { recursive: true, force: true });
  }
});

test('a workflow task runs a child run and takes its output; cancel and timeout reach the child', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'child_add',
      tasks: [{ id: 'add', tool: 'wftest_add', arguments: { a: '{{ input.x }}', b: 1 } }],
      outputs: { sum: '{{ tasks.add.output.sum }}' },
    },
  });
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'parent',
      tasks: [
        { id: 'sub', kind: 'workflow', workflow: 'child_add', input: { x: '{{ input.n }}' } },
        { id: 'use', tool: 'wftest_add', after: ['sub'], arguments: { a: '{{ tasks.sub.output.sum }}', b: 100 } },
      ],
      outputs: '{{ tasks.use.output.sum }}',
    },
  });
  const run = await call(host.client, 'workflow_run', { name: 'parent', input: { n: 5 }, wait: true });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.equal(run.output, 106);
  const childId = byId(run).sub.input.run_id;
  const child = await call(host.client, 'workflow_status', { run_id: childId });
  assert.equal(child.status, 'succeeded');
  assert.deepEqual(child.parent, { run_id: run.run_id, task: 'sub' });

  await call(host.client, 'workflow_define', { definition: { name: 'child_hang', tasks: [{ id: 'stuck', tool: 'wftest_hang' }] } });
  await call(host.client, 'workflow_define', {
    definition: { name: 'parent_hang', tasks: [{ id: 'sub', kind: 'workflow', workflow: 'child_hang' }] },
  });
  const before = await call(host.client, 'wftest_stats');
  const { run_id } = await call(host.client, 'workflow_run', { name: 'parent_hang' });
  let hanging;
  for (let i = 0; i < 100; i += 1) {
    hanging = await call(host.client, 'workflow_status', { run_id });
    if (byId(hanging).sub.input?.run_id) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let i = 0; i < 100 && (await call(host.client, 'wftest_stats')).hang_started === before.hang_started; i += 1)
    await new Promise((r) => setTimeout(r, 20));
  await call(host.client, 'workflow_cancel', { run_id });
  const hungChild = await waitForRun(host.client, byId(hanging).sub.input.run_id);
  assert.equal(hungChild.status, 'cancelled');
  for (let i = 0; i < 100 && (await call(host.client, 'wftest_stats')).cancelled === before.cancelled; i += 1)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call(host.client, 'wftest_stats')).cancelled, before.cancelled + 1, 'the cancel reached the tool in the child');

  await call(host.client, 'workflow_define', {
    definition: { name: 'parent_timeout', tasks: [{ id: 'sub', kind: 'workflow', workflow: 'child_hang', timeout: 150 }] },
  });
  const timedOut = await call(host.client, 'workflow_run', { name: 'parent_timeout', wait: true });
  assert.equal(timedOut.status, 'failed');
  assert.equal(byId(timedOut).sub.error_kind, 'timeout');

  await call(host.client, 'workflow_define', {
    definition: { name: 'parent_ghost', tasks: [{ id: 'sub', kind: 'workflow', workflow: 'ghost_flow' }] },
  });
  const ghost = await call(host.client, 'workflow_run', { name: 'parent_ghost', wait: true });
  assert.equal(ghost.status, 'failed');
  assert.match(byId(ghost).sub.error, /no workflow named "ghost_flow"/);
});

test('a loop repeats its tool until the condition holds, with an iteration cap', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'counter',
      tasks: [{
        id: 'grow', kind: 'loop', tool: 'wftest_add', interval: 20,
        arguments: { a: '{{ default(previous.sum, 0) }}', b: '{{ iteration }}' },
        until: 'output.sum >= input.target', max_iterations: 10,
      }],
      outputs: '{{ tasks.grow.output }}',
    },
  });
  const run = await call(host.client, 'workflow_run', { name: 'counter', input: { target: 10 }, wait: true });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.deepEqual(run.output, { iterations: 4, output: { sum: 10 } });  // 1, 3, 6, 10
  const grow = byId(run).grow;
  assert.deepEqual(grow.items.map((i) => i.output.sum), [1, 3, 6, 10]);
  assert.ok(grow.items.every((i) => i.attempt === 1));

  const capped = await call(host.client, 'workflow_run', { name: 'counter', input: { target: 1000 }, wait: true });
  assert.equal(capped.status, 'failed');
  assert.equal(byId(capped).grow.error_kind, 'loop_limit');
  assert.match(byId(capped).grow.error, /stopped after 10 iterations/);
  assert.equal(byId(capped).grow.items.length, 10);

  const invalid = await call(host.client, 'workflow_validate', {
    definition: { name: 'bad_loop', tasks: [{ id: 'l', kind: 'loop', tool: 'x', until: 'item > 1', while: 'true' }] },
  });
  assert.equal(invalid.valid, false);
  assert.match(invalid.problems[0].message, /one of `until` .* or `while`/);
  const badRoot = await call(host.client, 'workflow_validate', {
    definition: { name: 'bad_loop', tasks: [{ id: 'l', kind: 'loop', tool: 'x', until: 'item > 1' }] },
  });
  assert.match(badRoot.problems[0].message, /unknown name 'item'.*`iteration`, `output` here/);
});

test('a run timeout cancels what is unfinished and fails the run', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'deadline', timeout: '200ms',
      tasks: [{ id: 'quick', tool: 'wftest_add', arguments: { a: 1, b: 1 } }, { id: 'stuck', tool: 'wftest_hang' },
        { id: 'never', tool: 'wftest_add', after: ['stuck'], arguments: { a: 1, b: 1 } }],
    },
  });
  const before = await call(host.client, 'wftest_stats');
  const started = Date.now();
  const run = await call(host.client, 'workflow_run', { name: 'deadline', wait: true });
  assert.ok(Date.now() - started >= 190, 'it ran until its deadline');
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.match(run.error, /did not finish within its timeout of 200 ms/);
  assert.equal(byId(run).quick.status, 'succeeded');
  assert.equal(byId(run).stuck.status, 'cancelled');
  assert.equal(byId(run).never.status, 'cancelled');
  for (let i = 0; i < 100 && (await call(host.client, 'wftest_stats')).cancelled === before.cancelled; i += 1)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call(host.client, 'wftest_stats')).cancelled, before.cancelled + 1, 'the hanging call was cancelled');
  const bad = await call(host.client, 'workflow_validate', { definition: { name: 'd', timeout: 'soon', tasks: [{ id: 'a', tool: 'x' }] } });
  assert.deepEqual(bad.problems.map((p) => p.path), ['$.timeout']);
});

test('a failed run compensates what succeeded, newest first, then runs its on_failure steps', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'saga',
      tasks: [
        { id: 'book_a', tool: 'wftest_count', arguments: { value: 'a' },
          compensate: { tool: 'wftest_count', arguments: { value: 'undo {{ tasks.book_a.output.value }}' } } },
        { id: 'book_b', tool: 'wftest_count', after: ['book_a'], arguments: { value: 'b' },
          compensate: { tool: 'wftest_count', arguments: { value: 'undo b' } } },
        { id: 'skipped_c', tool: 'wftest_count', after: ['pay'], compensate: { tool: 'wftest_count' } },
        { id: 'pay', tool: 'wftest_flaky', after: ['book_b'], arguments: { name: 'saga-pay', failures: 9 } },
      ],
      on_failure: [{ id: 'notify', tool: 'wftest_count', arguments: { value: '{{ error.task }}: {{ error.error }}' } }],
    },
  });
  const run = await call(host.client, 'workflow_run', { name: 'saga', wait: true });
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.match(run.error, /task pay failed/);
  const tasks = byId(run);
  assert.equal(tasks['book_b:compensate'].output.value, 'undo b');
  assert.equal(tasks['book_a:compensate'].output.value, 'undo a');
  assert.equal(tasks['on_failure:notify'].output.value, 'pay: flaky failure 1 for saga-pay');
  assert.equal(tasks['skipped_c:compensate'], undefined, 'only tasks that succeeded are compensated');
  const order = ['book_b:compensate', 'book_a:compensate', 'on_failure:notify'].map((id) => tasks[id].started_at_ms);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'newest first, then on_failure');
  assert.ok(tasks['book_b:compensate'].started_at_ms >= tasks.pay.finished_at_ms);

  const ok = await call(host.client, 'workflow_run', { name: 'saga', wait: true });  // pay fails again (9 failures)
  assert.equal(ok.status, 'failed');
  const bad = await call(host.client, 'workflow_validate', {
    definition: { name: 's', tasks: [{ id: 'a', tool: 'x', compensate: { arguments: 1 } }], on_failure: [{ tool: 'y' }] },
  });
  assert.deepEqual(bad.problems.map((p) => p.path).sort(), ['$.on_failure[0].id', '$.tasks[0].compensate.arguments', '$.tasks[0].compensate.tool']);
});
