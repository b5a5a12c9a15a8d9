// kinds.test.mjs: the task kinds beyond tool and wait (switch, map, approval and signals,
// sub-workflows) over the real host, driven by the TypeScript SDK client.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { call, makeWorkspace, startHost } from './helpers.mjs';

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
