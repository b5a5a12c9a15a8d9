// schedule.test.mjs: workflow_schedule over the real host, driven by the TypeScript SDK client:
// a seconds schedule starts runs within ~2 s, publishes workflow.schedule.fired, survives a restart
// (the slots missed while the host was down fire once, not once each), stops when disabled and
// when deleted; bad requests are isError results that say what is accepted.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { call, callError, makeWorkspace, sleep, startHost, waitForRun } from './helpers.mjs';

let workspace;
let host;

before(async () => {
  workspace = makeWorkspace();
  host = await startHost(workspace);
  await call(host.client, 'workflow_define', {
    definition: { name: 'tick', tasks: [{ id: 't', tool: 'wftest_add', arguments: { a: '{{ input.n }}', b: 1 } }] },
  });
});

after(async () => {
  await host?.close();
  if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
});

const schedule = (args) => call(host.client, 'workflow_schedule', args);

async function runsOfTick() {
  return (await call(host.client, 'workflow_list', { what: 'runs', name: 'tick', limit: 1000 })).runs;
}

// The workflow.schedule.* bus events this host instance published, as wftest saw them.
async function scheduleEvents(id, topic = 'workflow.schedule.fired') {
  const { events } = await call(host.client, 'wftest_stats');
  return events.filter((e) => e.topic === topic && e.payload.schedule === id).map((e) => e.payload);
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('bad requests are isError results that say what is accepted', async () => {
  const create = (extra) => callError(host.client, 'workflow_schedule', { action: 'create', id: 'bad', ...extra });
  assert.match(await create({ workflow: 'ghost', cron: '@daily' }), /no workflow named "ghost"; define it first/);
  assert.match(await create({ workflow: 'tick', version: 9, cron: '@daily' }),
    /no workflow named "tick" with version 9/);
  assert.match(await create({ workflow: 'tick', cron: '* * * *' }), /bad cron expression "\* \* \* \*": expected 5 fields .* got 4 fields/);
  assert.match(await create({ workflow: 'tick', cron: '61 * * * *' }),
    /the minute field "61": 61 is out of range; accepted: 0-59/);
  assert.match(await create({ workflow: 'tick', cron: '0 0 * * FUNDAY' }), /the day-of-week field "FUNDAY"/);
  assert.match(await create({ workflow: 'tick', cron: '@daily', timezone: 'Europe/Paris' }),
    /`timezone` "Europe\/Paris" is not supported: schedules run in UTC only/);
  assert.match(await create({ workflow: 'tick', cron: '@daily', input: [1] }), /`input` must be an object/);
  assert.match(await create({ workflow: 'tick', cron: '@daily', every: 5 }), /unknown key `every`; accepted: id, workflow/);
  assert.match(await callError(host.client, 'workflow_schedule', { action: 'create', workflow: 'tick', cron: '@daily' }),
    /`id` is required/);

  await schedule({ action: 'create', id: 'dup', workflow: 'tick', cron: '@daily', enabled: false });
  assert.match(await callError(host.client, 'workflow_schedule', { action: 'create', id: 'dup', workflow: 'tick', cron: '@hourly' }),
    /a schedule with id "dup" already exists/);
  await schedule({ action: 'delete', id: 'dup' });

  for (const action of ['get', 'delete', 'enable', 'disable'])
    assert.match(await callError(host.client, 'workflow_schedule', { action, id: 'nope' }), /no schedule with id "nope"/);
  assert.match(await callError(host.client, 'workflow_schedule', { action: 'get' }), /`id` is required for action "get"/);
  assert.match(await callError(host.client, 'workflow_schedule', { action: 'pause' }), /`action` must be one of create, list/);
});

test('create and get answer the next 3 fire times, in UTC', async () => {
  const { schedule: created } = await schedule({
    action: 'create', id: 'leap', workflow: 'tick', version: 1, cron: '0 12 29 FEB *', input: { n: 1 }, timezone: 'UTC',
  });
  assert.equal(created.cron, '0 12 29 FEB *');
  assert.equal(created.timezone, 'UTC');
  assert.equal(created.version, 1);
  assert.equal(created.enabled, true);
  assert.equal(created.last_run_id, null);
  assert.equal(created.next_fires.length, 3);
  for (const at of created.next_fires) assert.match(at, /^\d{4}-02-29T12:00:00Z$/);
  assert.equal(Date.parse(created.next_fires[0]), created.next_fire_at_ms);
  const years = created.next_fires.map((at) => Number(at.slice(0, 4)));
  assert.deepEqual(years.slice(1).map((y, i) => y - years[i]), [4, 4]);

  const { schedule: got } = await schedule({ action: 'get', id: 'leap' });
  assert.deepEqual(got.next_fires, created.next_fires);
  const { schedules } = await schedule({ action: 'list' });
  assert.deepEqual(schedules.map((s) => s.id), ['leap']);
  assert.equal(schedules[0].next_fire_at, created.next_fires[0]);
  assert.deepEqual(await schedule({ action: 'delete', id: 'leap' }), { deleted: 'leap' });
  assert.deepEqual((await schedule({ action: 'list' })).schedules, []);
});

test('a seconds schedule fires within ~2 s, survives a restart (missed slots fire once), stops when disabled',
  { timeout: 90000 }, async () => {
    const created = Date.now();
    await schedule({ action: 'create', id: 'every_second', workflow: 'tick', cron: '*/1 * * * * *', input: { n: 41 } });

    // Runs start within ~2 s, once per second, each a normal run of the latest version.
    const firstRuns = await until('two scheduled runs', async () => {
      const runs = await runsOfTick();
      return runs.length >= 2 && runs;
    }, 5000);
    const first = firstRuns.at(-1);  // newest first
    assert.ok(first.created_at_ms - created < 2000, `first run ${first.created_at_ms - created} ms after create`);
    const finished = await waitForRun(host.client, first.run_id);
    assert.equal(finished.status, 'succeeded');
    assert.equal(finished.tasks[0].output.sum, 42);

    const fired = await until('fired events', async () => {
      const events = await scheduleEvents('every_second');
      return events.length >= 2 && events;
    }, 3000);
    const runIds = new Set((await runsOfTick()).map((r) => r.run_id));
    for (const event of fired) {
      assert.ok(runIds.has(event.run_id), `fired event names a run: ${JSON.stringify(event)}`);
      assert.equal(event.workflow, 'tick');
      assert.ok(event.fired_at_ms >= event.scheduled_at_ms);
    }
    const { schedule: running } = await schedule({ action: 'get', id: 'every_second' });
    assert.ok(runIds.has(running.last_run_id));
    assert.ok(running.last_fire_at_ms >= created);

    // Restart after ~2.5 s down: still listed, fires once for the missed slots, then every second.
    await host.close();
    const downAt = Date.now();
    await sleep(2500);
    host = await startHost(workspace);
    const { schedules } = await schedule({ action: 'list' });
    assert.deepEqual(schedules.map((s) => [s.id, s.enabled]), [['every_second', true]]);
    const afterRestart = await until('fires after the restart', async () => {
      const events = await scheduleEvents('every_second');
      return events.length >= 3 && events;
    }, 6000);
    // Slots that passed while the host was down: each would be late by more than a second.
    const catchUps = afterRestart.filter((e) => e.fired_at_ms - e.scheduled_at_ms > 1500);
    assert.equal(catchUps.length, 1, `one catch-up fire: ${JSON.stringify(afterRestart)}`);
    assert.equal(catchUps[0], afterRestart[0]);
    assert.ok(catchUps[0].scheduled_at_ms <= downAt + 1000, 'the catch-up is for a slot missed while down');
    for (const event of afterRestart.slice(1)) assert.ok(event.scheduled_at_ms > catchUps[0].fired_at_ms);
    const runsAfterRestart = (await runsOfTick()).filter((r) => r.created_at_ms > downAt);
    assert.ok(runsAfterRestart.length >= 3);
    assert.ok(runsAfterRestart.length <= afterRestart.length + 1, 'no run per missed slot');

    // Disable: no run starts any more; the schedule stays, without a next fire time.
    const { schedule: disabled } = await schedule({ action: 'disable', id: 'every_second' });
    assert.equal(disabled.enabled, false);
    assert.equal(disabled.next_fire_at_ms, null);
    assert.deepEqual(disabled.next_fires, []);
    await sleep(300);  // a fire already under way may still commit
    const runsWhenDisabled = (await runsOfTick()).length;
    await sleep(2500);
    assert.equal((await runsOfTick()).length, runsWhenDisabled, 'a disabled schedule starts no run');

    // Enable counts from now (the slots missed while disabled do not fire), then delete stops it for good.
    const { schedule: enabled } = await schedule({ action: 'enable', id: 'every_second' });
    assert.equal(enabled.next_fires.length, 3);
    assert.ok(enabled.next_fire_at_ms > Date.now() - 1000);
    await until('a run after enable', async () => (await runsOfTick()).length > runsWhenDisabled, 3000);
    await schedule({ action: 'delete', id: 'every_second' });
    await sleep(300);
    const runsWhenDeleted = (await runsOfTick()).length;
    await sleep(2000);
    assert.equal((await runsOfTick()).length, runsWhenDeleted, 'a deleted schedule starts no run');
  });

// Runs of `name`, oldest first, once none is running.
async function settledRuns(name) {
  return until(`runs of ${name} to end`, async () => {
    const { runs } = await call(host.client, 'workflow_list', { what: 'runs', name, limit: 1000 });
    return runs.every((r) => r.status !== 'running') && runs.slice().reverse();
  }, 10000);
}

function assertNoOverlap(runs) {
  for (let i = 1; i < runs.length; ++i)
    assert.ok(runs[i].created_at_ms >= runs[i - 1].finished_at_ms,
      `run ${i} started before run ${i - 1} ended: ${JSON.stringify(runs)}`);
}

test('overlap "skip" starts no run while the last one is going; "queue" starts one when it ends', async () => {
  for (const name of ['slow_skip', 'slow_queue'])
    await call(host.client, 'workflow_define', {
      definition: { name, tasks: [{ id: 'slow', tool: 'wftest_count', arguments: { ms: 1600 } }] },
    });
  assert.match(await callError(host.client, 'workflow_schedule', {
    action: 'create', id: 'bad_overlap', workflow: 'slow_skip', cron: '@daily', overlap: 'wait',
  }), /`overlap` "wait" is not accepted; accepted: "allow" .*"skip" .*"queue"/);
  const { schedule: skip } = await schedule({ action: 'create', id: 'skip', workflow: 'slow_skip', cron: '* * * * * *', overlap: 'skip' });
  assert.equal(skip.overlap, 'skip');
  await schedule({ action: 'create', id: 'queue', workflow: 'slow_queue', cron: '* * * * * *', overlap: 'queue' });
  await sleep(4500);
  await schedule({ action: 'disable', id: 'skip' });
  await schedule({ action: 'disable', id: 'queue' });

  const skipped = await settledRuns('slow_skip');
  assert.ok(skipped.length >= 2 && skipped.length <= 3, `1.6 s runs every second, skipping: ${skipped.length} runs`);
  assertNoOverlap(skipped);
  assert.ok((await scheduleEvents('skip', 'workflow.schedule.skipped')).length >= 2);

  const queued = await settledRuns('slow_queue');
  assert.ok(queued.length >= 2, `${queued.length} runs`);
  assertNoOverlap(queued);
  // A queued fire starts as soon as the run before it ends, not at the next slot.
  for (let i = 1; i < queued.length; ++i)
    assert.ok(queued[i].created_at_ms - queued[i - 1].finished_at_ms < 500, JSON.stringify(queued));
  const queuedEvents = await scheduleEvents('queue', 'workflow.schedule.queued');
  assert.ok(queuedEvents.length >= 2, JSON.stringify(queuedEvents));
  assert.ok(queuedEvents.every((e) => typeof e.running_run_id === 'string' && e.running_run_id.startsWith('run_')));
  for (const id of ['skip', 'queue']) await schedule({ action: 'delete', id });
});
