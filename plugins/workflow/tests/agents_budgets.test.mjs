// agents_budgets.test.mjs: over the real host with the real metrics plugin and the test spawner
// (wfspawner.so, which implements spawner_run):
// - agent tasks call spawner_run with {agent, prompt, model}, use its answer, and are cancelled
//   like any tool call; without a spawner they fail with error kind spawner_unavailable;
// - an exceeded metrics budget holds the LLM-bound calls it applies to (waiting_for "budget <id>"),
//   raising it releases them, and workflow_resume lets a held run go on past it;
// - workflow_run with wait: true stops waiting when its client cancels the request.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { call, callError, makeWorkspace, sleep, startHost, waitForRun } from './helpers.mjs';

let workspace;
let host;

before(async () => {
  workspace = makeWorkspace({
    spawner: true,
    metrics: true,
    // Releases must come from metrics_budget_set (or a resume), not from the periodic recheck.
    workflowConfig: { pools: { llm: { llm: true }, plain: { max_concurrency: 4 } }, budget_recheck_ms: 600000 },
  });
  host = await startHost(workspace);
});

after(async () => {
  await host?.close();
  if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
});

async function until(what, check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const taskOf = (run, id) => run.tasks.find((t) => t.id === id);

test('an agent task calls spawner_run and its answer feeds the next task', async () => {
  await call(host.client, 'workflow_define', {
    definition: {
      name: 'delegate',
      tasks: [
        { id: 'ask', kind: 'agent', agent: 'writer', prompt: 'summarize {{ input.topic }}', model: 'm1' },
        { id: 'echo', tool: 'wftest_count', after: ['ask'], arguments: { value: '{{ tasks.ask.output.text }}' } },
      ],
      outputs: { text: '{{ tasks.echo.output.value }}' },
    },
  });
  const run = await call(host.client, 'workflow_run', { name: 'delegate', input: { topic: 'cats' }, wait: true });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.deepEqual(run.output, { text: 'writer did: summarize cats' });
  assert.equal(taskOf(run, 'ask').output.idempotency_key, `${run.run_id}/ask/1`);
  const { calls } = await call(host.client, 'wfspawner_stats');
  assert.deepEqual(calls.at(-1), { agent: 'writer', prompt: 'summarize cats', model: 'm1' });
});

test('cancelling a run cancels its agent call; a bad agent task is refused at define time', async () => {
  await call(host.client, 'workflow_define', {
    definition: { name: 'stuck', tasks: [{ id: 'ask', kind: 'agent', agent: 'writer', prompt: 'hang' }] },
  });
  const { run_id: runId } = await call(host.client, 'workflow_run', { name: 'stuck' });
  await until('the agent call', async () => (await call(host.client, 'wfspawner_stats')).calls.some((c) => c.prompt === 'hang'));
  await call(host.client, 'workflow_cancel', { run_id: runId });
  await until('the spawner to see the cancellation', async () => (await call(host.client, 'wfspawner_stats')).cancelled === 1);
  assert.equal((await call(host.client, 'workflow_status', { run_id: runId })).status, 'cancelled');

  const problems = await callError(host.client, 'workflow_define', {
    definition: { name: 'bad_agent', tasks: [{ id: 'a', kind: 'agent', agent: 'w', tool: 'x' }] },
  });
  assert.match(problems, /\$\.tasks\[0\]\.prompt: an agent task needs the prompt/);
  assert.match(problems, /\$\.tasks\[0\]\.tool: an agent task calls spawner_run itself/);
});

test('without a spawner plugin an agent task fails with spawner_unavailable', async () => {
  const bare = makeWorkspace();
  const alone = await startHost(bare);
  try {
    await call(alone.client, 'workflow_define', {
      definition: { name: 'lonely', tasks: [{ id: 'ask', kind: 'agent', agent: 'writer', prompt: 'hi' }] },
    });
    const run = await call(alone.client, 'workflow_run', { name: 'lonely', wait: true });
    assert.equal(run.status, 'failed');
    const ask = taskOf(run, 'ask');
    assert.equal(ask.error_kind, 'spawner_unavailable');
    assert.match(ask.error, /needs the spawner plugin: no plugin offers the tool spawner_run; load one that does/);
  } finally {
    await alone.close();
    rmSync(bare.dir, { recursive: true, force: true });
  }
});

test('an exceeded project budget holds its LLM-bound calls until it is raised', async () => {
  await call(host.client, 'metrics_record_llm_call', { provider: 'openai', model: 'gpt-4o', project: 'web', cost_usd: 1 });
  const { budget } = await call(host.client, 'metrics_budget_set', {
    scope: 'project', scope_value: 'web', period: 'day', limit_usd: 0.5,
  });
  assert.equal(budget.state, 'exceeded');
  const held = await until('the workflow plugin to hold the budget', async () => {
    const { budgets } = await call(host.client, 'workflow_list', { what: 'budgets' });
    return budgets.find((b) => b.id === budget.id);
  });
  assert.equal(held.scope_value, 'web');

  await call(host.client, 'workflow_define', {
    definition: {
      name: 'spend',
      project: 'web',
      tasks: [
        { id: 'think', tool: 'wftest_count', pool: 'llm' },
        { id: 'delegate', kind: 'agent', agent: 'writer', prompt: 'draft' },
        { id: 'grep', tool: 'wftest_count', pool: 'plain' },
      ],
    },
  });
  const { run_id: runId } = await call(host.client, 'workflow_run', { name: 'spend' });
  const reason = `budget ${budget.id}`;
  const waiting = await until('both LLM-bound tasks to wait for the budget', async () => {
    const run = await call(host.client, 'workflow_status', { run_id: runId });
    const ok = taskOf(run, 'think').waiting_for === reason && taskOf(run, 'delegate').waiting_for === reason &&
      taskOf(run, 'grep').status === 'succeeded';
    return ok && run;
  });
  assert.equal(taskOf(waiting, 'think').status, 'pending');
  // Another project's LLM work is not held (its project from the input: the definition names none).
  await call(host.client, 'workflow_define', {
    definition: { name: 'elsewhere', tasks: [{ id: 'think', tool: 'wftest_count', pool: 'llm' }] },
  });
  const other = await call(host.client, 'workflow_run', { name: 'elsewhere', input: { project: 'mobile' }, wait: true });
  assert.equal(other.status, 'succeeded');
  const { events } = await call(host.client, 'workflow_history', { run_id: runId });
  assert.deepEqual(events.filter((e) => e.type === 'task.waiting').map((e) => [e.task, e.data.for]).sort(),
    [['delegate', reason], ['think', reason]]);
  await sleep(300);
  assert.equal((await call(host.client, 'workflow_status', { run_id: runId })).status, 'running', 'still held');

  // Raising the budget (metrics publishes nothing then) releases the calls.
  await call(host.client, 'metrics_budget_set', { scope: 'project', scope_value: 'web', period: 'day', limit_usd: 100 });
  const done = await waitForRun(host.client, runId);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.deepEqual((await call(host.client, 'workflow_list', { what: 'budgets' })).budgets, []);
});

test('workflow_resume lets a run held by a budget go on past it', async () => {
  // A budget set below what was already spent is exceeded at once.
  await call(host.client, 'metrics_record_llm_call', { provider: 'openai', model: 'gpt-4o', agent: 'critic', cost_usd: 1 });
  const { budget } = await call(host.client, 'metrics_budget_set', {
    scope: 'agent', scope_value: 'critic', period: 'total', limit_usd: 0.25,
  });
  await until('the hold', async () =>
    (await call(host.client, 'workflow_list', { what: 'budgets' })).budgets.some((b) => b.id === budget.id));
  await call(host.client, 'workflow_define', {
    definition: { name: 'critique', tasks: [{ id: 'review', kind: 'agent', agent: 'critic', prompt: 'review' }] },
  });
  const { run_id: runId } = await call(host.client, 'workflow_run', { name: 'critique' });
  await until('the held task', async () =>
    taskOf(await call(host.client, 'workflow_status', { run_id: runId }), 'review').waiting_for === `budget ${budget.id}`);
  const resumed = await call(host.client, 'workflow_resume', { run_id: runId });
  assert.equal(resumed.ignore_budgets, true);
  const done = await waitForRun(host.client, runId);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(taskOf(done, 'review').output.text, 'critic did: review');
  // The budget still holds other runs.
  assert.ok((await call(host.client, 'workflow_list', { what: 'budgets' })).budgets.some((b) => b.id === budget.id));
  await call(host.client, 'metrics_budget_set', { remove: true, id: budget.id });
  await until('the removed budget to release its hold', async () =>
    !(await call(host.client, 'workflow_list', { what: 'budgets' })).budgets.some((b) => b.id === budget.id));
});

test('workflow_run with wait: true stops waiting when the client cancels; the run goes on', async () => {
  await call(host.client, 'workflow_define', {
    definition: { name: 'long', tasks: [{ id: 'slow', tool: 'wftest_count', arguments: { ms: 3000 } }] },
  });
  const controller = new AbortController();
  const started = Date.now();
  const waiting = host.client.callTool({ name: 'workflow_run', arguments: { name: 'long', wait: true } }, undefined,
    { signal: controller.signal });
  await sleep(300);
  controller.abort();
  await assert.rejects(waiting);
  const { runs } = await call(host.client, 'workflow_list', { what: 'runs', name: 'long' });
  assert.equal(runs.length, 1);
  // The host records a tools/call when the plugin ends it (host.tool.called, which metrics
  // keeps): a workflow_run ended as cancelled while its run is still going.
  const row = await until('the cancelled workflow_run to end', async () => {
    const { rows } = await call(host.client, 'metrics_breakdown', {
      source: 'tools', group_by: ['tool', 'outcome'], filters: { tool: 'workflow_run', outcome: 'cancelled' },
    });
    return rows[0];
  });
  assert.equal(row.calls, 1);
  assert.ok(row.duration_ms_max < 2500, `it ended ${row.duration_ms_max} ms after it began, before its run`);
  assert.equal((await call(host.client, 'workflow_status', { run_id: runs[0].run_id })).status, 'running');
  assert.ok(Date.now() - started < 3000, 'checked before the run could end');
  const done = await waitForRun(host.client, runs[0].run_id);
  assert.equal(done.status, 'succeeded');
});
