// http.test.mjs: the workflow plugin's HTTP API (/api/v1/workflow/...) on the real host over
// Streamable HTTP: definitions, runs, tasks, history, control, and the live SSE stream of a
// run's events (order, resumption with Last-Event-ID, the end after the terminal event),
// schedules, plus the 400, 404 and 409 answers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';

import { makeWorkspace, sleep } from './helpers.mjs';

let workspace;
let server;

// Starts the host on `workspace` with the HTTP transport on a free port. Resolves to
// { base (the API root), stderr(), stop() }; stop() expects a clean exit on SIGTERM.
async function startHttpHost(ws) {
  const child = spawn(process.env.SWITCHBOARD_BINARY, ['--config', ws.configPath, '--http', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderrText = '';
  child.stderr.on('data', (chunk) => (stderrText += chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 10 s\n${stderrText}`)), 10000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /serving MCP \(Streamable HTTP\) at (http:\/\/\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then((status) => reject(new Error(`the host exited (${JSON.stringify(status)})\n${stderrText}`)));
  });
  return {
    base: `${new URL(url).origin}/api/v1/workflow`,
    stderr: () => stderrText,
    async stop() {
      child.kill('SIGTERM');
      const status = await exited;
      assert.deepEqual(status, { code: 0, signal: null }, `the host exits cleanly\n${stderrText.slice(-3000)}`);
    },
  };
}

async function api(method, path, body, headers = {}) {
  const response = await fetch(`${server.base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function ok(method, path, body, expected = 200) {
  const answer = await api(method, path, body);
  assert.equal(answer.status, expected, `${method} ${path} answered ${answer.status}: ${answer.text}`);
  return answer.json;
}

// Reads an SSE response as it arrives: `events` holds { id, event, data (parsed) } in order,
// `ended` resolves with { error } when the body ends.
class EventStream {
  constructor(response) {
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    this.events = [];
    this.comments = 0;
    this.waiters = [];
    this.done = false;
    this.ended = this.#read(response.body.getReader());
  }

  static async open(runId, { lastEventId, query = '' } = {}) {
    const headers = { accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    return new EventStream(await fetch(`${server.base}/runs/${runId}/events${query}`, { headers }));
  }

  async #read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    let error;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          this.#dispatch(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
        }
      }
    } catch (e) {
      error = e;
    }
    this.done = true;
    this.#notify();
    return { error, leftover: buffer };
  }

  #dispatch(block) {
    const event = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
      else event[field] = value;
    }
    if (event.data === undefined) return;
    event.data = JSON.parse(event.data);
    this.events.push(event);
    this.#notify();
  }

  #notify() {
    for (const waiter of [...this.waiters]) waiter();
  }

  waitFor(match, what, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (found) return finish(() => resolve(found));
        if (this.done) return finish(() => reject(new Error(`the stream ended without ${what}: ${this.describe()}`)));
      };
      const finish = (settle) => {
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(check), 1);
        settle();
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what}: ${this.describe()}`))), timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  // Resolves once the server ended the stream (rejects after `timeoutMs`).
  async closedByServer(timeoutMs = 10000) {
    const result = await Promise.race([this.ended, sleep(timeoutMs).then(() => 'timeout')]);
    assert.notEqual(result, 'timeout', `the stream did not end: ${this.describe()}`);
    assert.equal(result.error, undefined, 'the stream ends cleanly');
    assert.equal(result.leftover, '', 'no partial event at the end');
  }

  describe() {
    return JSON.stringify(this.events.map((e) => [e.id, e.event])).slice(0, 1500);
  }
}

// Every event's id is its history seq, its type the SSE event name; ids go up by one.
function assertWellFormed(events, firstSeq) {
  events.forEach((event, i) => {
    assert.equal(event.id, String(firstSeq + i), `event ${i} has id ${event.id}`);
    assert.equal(event.data.seq, firstSeq + i);
    assert.equal(event.event, event.data.type);
  });
}

const TERMINAL = ['run.succeeded', 'run.failed', 'run.cancelled'];

before(async () => {
  workspace = makeWorkspace();
  server = await startHttpHost(workspace);
});

after(async () => {
  try {
    await server?.stop();
  } finally {
    if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
  }
});

test('definitions: define (bare or wrapped), list, get by version, validate; bad ones are 400 with problems', async () => {
  const definition = {
    name: 'http-sum',
    tasks: [
      { id: 'first', tool: 'wftest_add', arguments: { a: '{{ input.x }}', b: 1 } },
      { id: 'slow', tool: 'wftest_count', after: ['first'], arguments: { ms: 150, value: '{{ tasks.first.output.sum }}' } },
    ],
    outputs: { total: '{{ tasks.slow.output.value }}' },
  };
  assert.deepEqual(await ok('POST', '/definitions', definition, 201), { name: 'http-sum', version: 1 });
  assert.deepEqual(await ok('POST', '/definitions', { definition: { ...definition, description: 'v2' } }, 201), {
    name: 'http-sum',
    version: 2,
  });

  const { definitions } = await ok('GET', '/definitions');
  const listed = definitions.find((d) => d.name === 'http-sum');
  assert.equal(listed?.latest_version, 2, JSON.stringify(definitions));
  const latest = await ok('GET', '/definitions/http-sum');
  assert.equal(latest.version, 2);
  assert.equal(latest.definition.description, 'v2');
  const first = await ok('GET', '/definitions/http-sum?version=1');
  assert.equal(first.version, 1);
  assert.deepEqual(first.definition, definition);

  const missing = await api('GET', '/definitions/nope');
  assert.equal(missing.status, 404);
  assert.match(missing.json.error, /no workflow named "nope"/);
  const missingVersion = await api('GET', '/definitions/http-sum?version=9');
  assert.equal(missingVersion.status, 404);
  assert.match(missingVersion.json.error, /with version 9/);
  const badVersion = await api('GET', '/definitions/http-sum?version=latest');
  assert.equal(badVersion.status, 400);
  assert.match(badVersion.json.error, /`version` must be an integer from 1/);

  const broken = { name: 'broken', tasks: [{ id: 'a', tool: 'x', after: ['ghost'] }, { id: 'a', tool: 'x' }] };
  const refused = await api('POST', '/definitions', broken);
  assert.equal(refused.status, 400);
  assert.ok(Array.isArray(refused.json.problems) && refused.json.problems.length >= 2, refused.text);
  for (const problem of refused.json.problems) {
    assert.match(problem.path, /^\$/);
    assert.equal(typeof problem.message, 'string');
  }
  assert.ok(refused.json.problems.some((p) => p.path.startsWith('$.tasks[0].after')), refused.text);
  assert.equal((await api('GET', '/definitions/broken')).status, 404, 'an invalid definition is not stored');

  const validation = await ok('POST', '/validate', broken);
  assert.equal(validation.valid, false);
  assert.deepEqual(validation.problems, refused.json.problems);
  assert.deepEqual(await ok('POST', '/validate', { definition }), { valid: true, problems: [] });

  const notJson = await api('POST', '/definitions', '{"name":');
  assert.equal(notJson.status, 400);
  assert.match(notJson.json.error, /not valid JSON/);
  const notObject = await api('POST', '/definitions', [1, 2]);
  assert.equal(notObject.status, 400);
  assert.match(notObject.json.error, /workflow definition object/);
});

test('a run streams its events live: in order, ids = history seq, ending after the terminal event', async () => {
  const run = await ok('POST', '/runs', { name: 'http-sum', version: 1, input: { x: 4 } }, 201);
  assert.match(run.run_id, /^run_/);
  assert.deepEqual({ ...run, run_id: undefined }, { run_id: undefined, name: 'http-sum', version: 1, status: 'running' });

  const stream = await EventStream.open(run.run_id);
  await stream.closedByServer();
  const events = stream.events;
  assert.equal(events[0].event, 'run.started');
  assertWellFormed(events, 1);
  assert.equal(events.at(-1).event, 'run.succeeded', stream.describe());
  assert.equal(events.filter((e) => TERMINAL.includes(e.event)).length, 1);
  assert.ok(events.every((e) => e.data.run_id === run.run_id));

  // The stream carried exactly the stored history.
  const { events: history } = await ok('GET', `/runs/${run.run_id}/history`);
  assert.deepEqual(
    events.map((e) => [e.data.seq, e.data.type, e.data.task]),
    history.map((e) => [e.seq, e.type, e.task]),
  );

  const status = await ok('GET', `/runs/${run.run_id}`);
  assert.equal(status.status, 'succeeded');
  assert.deepEqual(status.output, { total: 5 });
  const { tasks } = await ok('GET', `/runs/${run.run_id}/tasks`);
  assert.deepEqual(tasks.map((t) => [t.id, t.status]), [['first', 'succeeded'], ['slow', 'succeeded']]);
  const page = await ok('GET', `/runs/${run.run_id}/history?after_seq=1&limit=2`);
  assert.deepEqual(page.events.map((e) => e.seq), [2, 3]);
});

test('Last-Event-ID and after_seq resume a stream with no gaps and no duplicates', async () => {
  const run = await ok('POST', '/runs', { name: 'http-sum', input: { x: 1 } }, 201);
  const full = await EventStream.open(run.run_id);
  await full.closedByServer();
  const all = full.events;
  assert.ok(all.length >= 6, full.describe());

  for (const cut of [1, 3, all.length - 1]) {
    const resumed = await EventStream.open(run.run_id, { lastEventId: cut });
    await resumed.closedByServer();
    assert.deepEqual(resumed.events.map((e) => e.id), all.slice(cut).map((e) => e.id), `resumed after ${cut}`);
    assertWellFormed(resumed.events, cut + 1);
    const byQuery = await EventStream.open(run.run_id, { query: `?after_seq=${cut}` });
    await byQuery.closedByServer();
    assert.deepEqual(byQuery.events.map((e) => e.id), all.slice(cut).map((e) => e.id), `after_seq=${cut}`);
  }
  // After the terminal event there is nothing more: the stream ends at once, empty.
  const finished = await EventStream.open(run.run_id, { lastEventId: all.length });
  await finished.closedByServer();
  assert.equal(finished.events.length, 0);
  // Last-Event-ID wins over after_seq (a reconnecting EventSource sends it).
  const both = await EventStream.open(run.run_id, { lastEventId: all.length - 1, query: '?after_seq=0' });
  await both.closedByServer();
  assert.deepEqual(both.events.map((e) => e.event), [all.at(-1).event]);
});

test('a live stream follows control operations: pause, resume, cancel reach the open stream', async () => {
  await ok('POST', '/definitions', {
    name: 'http-hang',
    tasks: [
      { id: 'stuck', tool: 'wftest_hang' },
      { id: 'later', tool: 'wftest_add', after: ['stuck'], arguments: { a: 1, b: 2 } },
    ],
  }, 201);
  const run = await ok('POST', '/runs', { name: 'http-hang' }, 201);
  const stream = await EventStream.open(run.run_id);
  await stream.waitFor((e) => e.event === 'task.started' && e.data.task === 'stuck', 'task.started of stuck');

  assert.equal((await ok('POST', `/runs/${run.run_id}/pause`)).status, 'paused');
  await stream.waitFor((e) => e.event === 'run.paused', 'run.paused');
  const again = await api('POST', `/runs/${run.run_id}/pause`);
  assert.equal(again.status, 409);
  assert.match(again.json.error, /only a running run can be paused/);
  assert.equal((await ok('POST', `/runs/${run.run_id}/resume`)).status, 'running');
  await stream.waitFor((e) => e.event === 'run.resumed', 'run.resumed');

  const cancelled = await ok('POST', `/runs/${run.run_id}/cancel`);
  assert.equal(cancelled.status, 'cancelled');
  await stream.closedByServer();
  assert.equal(stream.events.at(-1).event, 'run.cancelled');
  assertWellFormed(stream.events, 1);
  const twice = await api('POST', `/runs/${run.run_id}/cancel`);
  assert.equal(twice.status, 409);
  assert.match(twice.json.error, /is already cancelled; only a running or paused run can be cancelled/);

  const { runs } = await ok('GET', '/runs?name=http-hang&status=cancelled');
  assert.deepEqual(runs.map((r) => r.run_id), [run.run_id]);
});

test('retrying a failed task: the resumed stream picks up after run.failed and ends at run.succeeded', async () => {
  await ok('POST', '/definitions', {
    name: 'http-flaky',
    tasks: [{ id: 'shaky', tool: 'wftest_flaky', arguments: { name: 'http-flaky', failures: 1 }, retry: { max_attempts: 1 } }],
  }, 201);
  const run = await ok('POST', '/runs', { name: 'http-flaky' }, 201);
  const first = await EventStream.open(run.run_id);
  await first.closedByServer();
  const failed = first.events.at(-1);
  assert.equal(failed.event, 'run.failed', first.describe());

  const unknownTask = await api('POST', `/runs/${run.run_id}/tasks/ghost/retry`);
  assert.equal(unknownTask.status, 409);
  assert.ok(unknownTask.json.error.length > 0);
  // The answer shows the run once the retry is durable; the fast retry may already have finished.
  const retried = await ok('POST', `/runs/${run.run_id}/tasks/shaky/retry`);
  assert.ok(['running', 'succeeded'].includes(retried.status), JSON.stringify(retried));
  const resumed = await EventStream.open(run.run_id, { lastEventId: failed.id });
  await resumed.closedByServer();
  assertWellFormed(resumed.events, Number(failed.id) + 1);
  assert.equal(resumed.events[0].event, 'run.retried', resumed.describe());
  assert.equal(resumed.events.at(-1).event, 'run.succeeded');
});

test('unknown runs are 404 and bad parameters 400, saying what is accepted', async () => {
  for (const path of ['/runs/run_nope', '/runs/run_nope/tasks', '/runs/run_nope/history', '/runs/run_nope/events']) {
    const answer = await api('GET', path);
    assert.equal(answer.status, 404, `${path}: ${answer.text}`);
    assert.match(answer.json.error, /no run with id "run_nope"/);
  }
  for (const action of ['cancel', 'pause', 'resume', 'tasks/x/retry']) {
    const answer = await api('POST', `/runs/run_nope/${action}`);
    assert.equal(answer.status, 404, `${action}: ${answer.text}`);
  }
  const noDefinition = await api('POST', '/runs', { name: 'ghost' });
  assert.equal(noDefinition.status, 404);
  assert.match(noDefinition.json.error, /no workflow named "ghost"/);

  const cases = [
    ['POST', '/runs', { version: 1 }, /"name": string/],
    ['POST', '/runs', { name: 'http-sum', version: 0 }, /`version` must be an integer >= 1/],
    ['POST', '/runs', { name: 'http-sum', input: [1] }, /`input` must be an object/],
    ['POST', '/runs', '{oops', /not valid JSON/],
    ['GET', '/runs?status=done', undefined, /`status` must be one of running, paused, succeeded, failed, cancelled/],
    ['GET', '/runs?limit=0', undefined, /`limit` must be an integer from 1 to 1000/],
    ['GET', '/runs?limit=ten', undefined, /`limit` must be an integer/],
  ];
  for (const [method, path, body, message] of cases) {
    const answer = await api(method, path, body);
    assert.equal(answer.status, 400, `${method} ${path}: ${answer.text}`);
    assert.match(answer.json.error, message);
  }
  const run = (await ok('GET', '/runs?limit=1')).runs[0];
  const badHistory = await api('GET', `/runs/${run.run_id}/history?after_seq=-1`);
  assert.equal(badHistory.status, 400);
  assert.match(badHistory.json.error, /`after_seq` must be an integer from 0/);
  const badLimit = await api('GET', `/runs/${run.run_id}/history?limit=20000`);
  assert.equal(badLimit.status, 400);
  const badLastId = await api('GET', `/runs/${run.run_id}/events`, undefined, { 'last-event-id': 'abc' });
  assert.equal(badLastId.status, 400);
  assert.match(badLastId.json.error, /Last-Event-ID must be the id of an event/);
  const badAfter = await api('GET', `/runs/${run.run_id}/events?after_seq=x`);
  assert.equal(badAfter.status, 400);
});

test('schedules: create (201), list, get, disable, enable, delete; 400, 404 and 409 say what is wrong', async () => {
  const body = { id: 'http-yearly', workflow: 'http-sum', version: 1, cron: '@yearly', input: { x: 1 } };
  const created = await ok('POST', '/schedules', body, 201);
  assert.equal(created.id, 'http-yearly');
  assert.equal(created.next_fires.length, 3);
  assert.match(created.next_fires[0], /^\d{4}-01-01T00:00:00Z$/);
  assert.deepEqual((await ok('GET', '/schedules')).schedules.map((s) => s.id), ['http-yearly']);
  assert.deepEqual((await ok('GET', '/schedules/http-yearly')).next_fires, created.next_fires);
  const disabled = await ok('POST', '/schedules/http-yearly/disable');
  assert.equal(disabled.enabled, false);
  assert.equal(disabled.next_fire_at_ms, null);
  assert.equal((await ok('POST', '/schedules/http-yearly/enable')).next_fire_at_ms, created.next_fire_at_ms);

  const cases = [
    [{ ...body }, 409, /a schedule with id "http-yearly" already exists/],
    [{ ...body, id: 'other', workflow: 'ghost' }, 404, /no workflow named "ghost"/],
    [{ ...body, id: 'other', cron: '0 0 32 * *' }, 400, /the day-of-month field "32": 32 is out of range; accepted: 1-31/],
    [{ ...body, id: 'other', timezone: 'America/New_York' }, 400, /UTC only/],
    [[1], 400, /a schedule must be an object/],
  ];
  for (const [request, status, message] of cases) {
    const answer = await api('POST', '/schedules', request);
    assert.equal(answer.status, status, answer.text);
    assert.match(answer.json.error, message);
  }
  assert.deepEqual(await ok('DELETE', '/schedules/http-yearly'), { deleted: 'http-yearly' });
  for (const [method, path] of [['GET', '/schedules/http-yearly'], ['DELETE', '/schedules/http-yearly'],
    ['POST', '/schedules/http-yearly/enable']]) {
    const answer = await api(method, path);
    assert.equal(answer.status, 404, `${method} ${path}: ${answer.text}`);
    assert.match(answer.json.error, /no schedule with id "http-yearly"/);
  }
});

test('a stream left open on a running run ends cleanly when the host stops', async () => {
  const run = await ok('POST', '/runs', { name: 'http-hang' }, 201);
  const stream = await EventStream.open(run.run_id);
  await stream.waitFor((e) => e.event === 'task.started', 'task.started');
  await server.stop();
  server = undefined;
  const { error } = await stream.ended;
  assert.equal(error, undefined, 'the stream ends with its last chunk');
  assertWellFormed(stream.events, 1);
});
