// crash.test.mjs: kill -9 the host while a long run is under way, restart it each time, and
// check the durability guarantee of docs/workflow.md:
// - the run finishes, and succeeds;
// - no task ran again after it was checkpointed as succeeded;
// - a task in flight at a kill ran at most once more per kill, always with the same idempotency key;
// - the history is consistent (contiguous sequence numbers, one start and one end per task).
//
// WORKFLOW_CRASH_KILLS sets the number of kills (ctest: 20, as the issue asks).
// The wftest plugin appends every call to a log file with one write(), so the log survives kill -9.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';

import { call, makeWorkspace, sleep, startHost, waitForRun } from './helpers.mjs';

const KILLS = Number(process.env.WORKFLOW_CRASH_KILLS ?? 5);
const CHAINS = 4;
const CHAIN_LENGTH = KILLS + 2;  // enough work that the run outlives the kills
const TASK_MS = 400;
const FAN_ITEMS = 8;

function definition() {
  const tasks = [];
  for (let c = 0; c < CHAINS; c++) {
    for (let i = 0; i < CHAIN_LENGTH; i++) {
      const id = `c${c}_t${i}`;
      const previous = i > 0 ? `c${c}_t${i - 1}` : null;
      tasks.push({
        id,
        tool: 'wftest_count',
        after: previous ? [previous] : [],
        arguments: { ms: TASK_MS, value: previous ? `{{ tasks.${previous}.output.value + 1 }}` : 1 },
      });
    }
  }
  // A map alongside the chains: its items are durable units of their own.
  tasks.push({ id: 'fan', kind: 'map', after: ['c0_t0'], items: [...Array(FAN_ITEMS).keys()], concurrency: 2,
    tool: 'wftest_count', arguments: { ms: TASK_MS, value: '{{ item }}' } });
  return { name: 'crashy', tasks, outputs: Object.fromEntries([...Array(CHAINS).keys()].map(
    (c) => [`chain${c}`, `{{ tasks.c${c}_t${CHAIN_LENGTH - 1}.output.value }}`])) };
}

async function kill(host) {
  const exited = new Promise((resolve) => {
    try {
      process.kill(host.pid, 0);
    } catch {
      resolve();
      return;
    }
    const timer = setInterval(() => {
      try {
        process.kill(host.pid, 0);
      } catch {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  process.kill(host.pid, 'SIGKILL');
  await exited;
  await host.close().catch(() => {});
}

test(`a run survives ${KILLS} kill -9 of the host`, { timeout: 120000 }, async () => {
  const workspace = makeWorkspace({ workflowConfig: { max_concurrency: 4 } });
  const pids = [];  // the host instances, in order
  let host = await startHost(workspace);
  pids.push(host.pid);
  try {
    await call(host.client, 'workflow_define', { definition: definition() });
    const { run_id: runId } = await call(host.client, 'workflow_run', { name: 'crashy' });

    for (let k = 0; k < KILLS; k++) {
      await sleep(150 + Math.floor(Math.random() * 550));
      await kill(host);
      host = await startHost(workspace);
      pids.push(host.pid);
    }
    const run = await waitForRun(host.client, runId, 60000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    for (let c = 0; c < CHAINS; c++) assert.equal(run.output[`chain${c}`], CHAIN_LENGTH, 'data flowed down each chain');
    for (const task of run.tasks) {
      assert.equal(task.status, 'succeeded');
      assert.equal(task.attempt, 1, `${task.id} needed no retry`);
    }
    const fan = run.tasks.find((t) => t.id === 'fan');
    assert.deepEqual(fan.output.map((o) => o.value), [...Array(FAN_ITEMS).keys()], 'map outputs in item order');
    assert.equal(fan.items.length, FAN_ITEMS);
    // What called a tool: the plain tasks and the map's items (the map itself calls nothing).
    const units = run.tasks.filter((t) => t.id !== 'fan')
      .concat(fan.items.map((item) => ({ ...item, id: `fan[${item.index}]` })));
    for (const unit of units) assert.equal(unit.attempt, 1, `${unit.id} needed no retry`);

    const { events } = await call(host.client, 'workflow_history', { run_id: runId, limit: 10000 });
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'contiguous history');
    assert.equal(events[0].type, 'run.started');
    assert.equal(events.at(-1).type, 'run.succeeded');
    assert.equal(events.filter((e) => e.type.startsWith('run.')).length, 2);

    const instanceOf = (pid) => {
      const index = pids.indexOf(pid);
      assert.ok(index >= 0, `pid ${pid} is not one of the host instances`);
      return index;
    };
    const calls = readFileSync(workspace.logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
      .filter((line) => line.event === 'start');
    let reruns = 0;
    for (const task of units) {
      const taskEvents = events.filter((e) => e.task === task.id);
      assert.equal(taskEvents.filter((e) => e.type === 'task.succeeded').length, 1, `${task.id}: one success`);
      assert.equal(taskEvents.at(-1).type, 'task.succeeded');
      const dispatches = taskEvents.filter((e) => e.type === 'task.started' || e.type === 'task.resumed');
      assert.equal(dispatches.filter((e) => e.type === 'task.started').length, 1, `${task.id}: started once`);
      // The instance that checkpointed the success is the one that dispatched last.
      const succeededIn = instanceOf(dispatches.at(-1).data.pid);
      const key = `${runId}/${task.id}/1`;
      const taskCalls = calls.filter((c) => c.key.split('/')[1] === task.id);
      assert.ok(taskCalls.length >= 1, `${task.id} was called`);
      const instances = taskCalls.map((c) => instanceOf(c.pid));
      for (const c of taskCalls) assert.equal(c.key, key, `${task.id}: every call carries the same idempotency key`);
      assert.equal(new Set(instances).size, instances.length, `${task.id}: at most one call per host instance`);
      assert.ok(Math.max(...instances) <= succeededIn, `${task.id}: no call after its success was checkpointed`);
      assert.ok(taskCalls.length <= dispatches.length, `${task.id}: every call follows a checkpointed dispatch`);
      assert.ok(dispatches.length - 1 <= KILLS, `${task.id}: re-dispatched at most once per kill`);
      reruns += taskCalls.length - 1;
    }
    console.log(`# ${KILLS} kills, ${units.length} tasks and items, ${calls.length} calls, ${reruns} re-run(s) of in-flight tasks`);
  } catch (error) {
    error.message += `\n--- host stderr ---\n${host.stderr().slice(-3000)}`;
    throw error;
  } finally {
    await host.close().catch(() => {});
    rmSync(workspace.dir, { recursive: true, force: true });
  }
});
