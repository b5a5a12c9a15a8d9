// knowledge.test.mjs: workflows over a real plugin's tools, the knowledge plugin's, in the real
// host: data flows from one tool's answer into the next call, a map fans out over items, and a
// failing step fails the run and runs the compensation that undoes earlier writes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { call, makeWorkspace, startHost } from './helpers.mjs';

let workspace;
let host;

before(async () => {
  workspace = makeWorkspace({ knowledge: true });
  host = await startHost(workspace);
});

after(async () => {
  await host?.close();
  if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
});

const byId = (run) => Object.fromEntries(run.tasks.map((t) => [t.id, t]));

// Registers `name` -> team membership for an agent, with one observation per fact, in a project.
const onboarding = {
  name: 'onboard_agent',
  tasks: [
    {
      id: 'entities', tool: 'knowledge_create_entities',
      arguments: {
        project: '{{ input.project }}',
        entities: [
          { name: '{{ input.agent }}', entityType: 'agent', observations: ['joined {{ input.team }}'] },
          { name: '{{ input.team }}', entityType: 'team', observations: [] },
        ],
      },
      compensate: {
        tool: 'knowledge_delete_entities',
        arguments: { project: '{{ input.project }}', entityNames: ['{{ input.agent }}', '{{ input.team }}'] },
      },
    },
    {
      id: 'membership', tool: 'knowledge_create_relations', after: ['entities'],
      arguments: {
        project: '{{ input.project }}',
        relations: [{ from: '{{ input.agent }}', to: '{{ input.team }}', relationType: 'member_of' }],
      },
    },
    {
      id: 'facts', kind: 'map', after: ['entities'], items: '{{ input.facts }}', concurrency: 2,
      tool: 'knowledge_add_observations',
      arguments: { project: '{{ input.project }}', observations: [{ entityName: '{{ item.about }}', contents: ['{{ item.text }}'] }] },
      retry: { max_attempts: 1 },
    },
    {
      id: 'check', tool: 'knowledge_open_nodes', after: ['membership', 'facts'],
      arguments: { project: '{{ input.project }}', names: ['{{ input.agent }}'] },
    },
  ],
  outputs: { opened: '{{ tasks.check.output }}', added: '{{ len(tasks.facts.output) }}' },
};

test('a workflow writes a team into the knowledge graph, one tool feeding the next', async () => {
  await call(host.client, 'workflow_define', { definition: onboarding });
  const facts = ['speaks French', 'owns the billing service', 'on call this week'].map((text) => ({ about: 'ada', text }));
  const run = await call(host.client, 'workflow_run', {
    name: 'onboard_agent', input: { project: 'acme', agent: 'ada', team: 'payments', facts }, wait: true,
  });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.equal(run.output.added, 3);

  // The graph, read directly: what the run wrote is there, in the project it named.
  const graph = await call(host.client, 'knowledge_open_nodes', { project: 'acme', names: ['ada', 'payments'] });
  const ada = graph.entities.find((e) => e.name === 'ada');
  assert.equal(ada.entityType, 'agent');
  assert.deepEqual(ada.observations.map((o) => o.content).sort(), ['joined payments', ...facts.map((f) => f.text)].sort());
  const edges = (relations) => relations.map(({ from, to, relationType }) => ({ from, to, relationType }));
  assert.deepEqual(edges(graph.relations), [{ from: 'ada', to: 'payments', relationType: 'member_of' }]);
  // The run's last task read the same graph through the tool, and its answer became the output.
  assert.deepEqual(edges(run.output.opened.relations), edges(graph.relations));
  assert.deepEqual(run.output.opened.entities.map((e) => e.name), ['ada']);

  // Nothing leaked into another project.
  const elsewhere = await call(host.client, 'knowledge_open_nodes', { project: 'default', names: ['ada'] });
  assert.deepEqual(elsewhere.entities, []);
});

test("a knowledge tool's error fails the run, and the compensation removes what it wrote", async () => {
  const facts = [{ about: 'bob', text: 'likes graphs' }, { about: 'nobody', text: 'lost' }];
  const run = await call(host.client, 'workflow_run', {
    name: 'onboard_agent', input: { project: 'beta', agent: 'bob', team: 'search', facts }, wait: true,
  });
  assert.equal(run.status, 'failed', JSON.stringify(run));
  const tasks = byId(run);
  assert.equal(tasks.facts.status, 'failed');
  assert.equal(tasks.facts.error_kind, 'tool_error');
  assert.match(tasks.facts.error, /Entity with name nobody not found/);
  assert.equal(tasks.check.status, 'skipped');
  assert.equal(tasks['entities:compensate'].status, 'succeeded', JSON.stringify(tasks['entities:compensate']));

  const graph = await call(host.client, 'knowledge_open_nodes', { project: 'beta', names: ['bob', 'search'] });
  assert.deepEqual(graph.entities, [], 'the compensation deleted both entities');
  assert.deepEqual(graph.relations, [], 'and, by cascade, the membership');
});
