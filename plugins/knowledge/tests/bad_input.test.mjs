// bad_input.test.mjs: every tool refuses wrong types, missing fields, unknown entities and a
// huge batch with a clear isError result, and nothing already stored is damaged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { call, graphAsSets, startSwitchboard } from './helpers.mjs';

let server;
let before_graph;

const TOOLS = [
  'knowledge_create_entities', 'knowledge_create_relations', 'knowledge_add_observations',
  'knowledge_delete_entities', 'knowledge_delete_observations', 'knowledge_delete_relations',
  'knowledge_read_graph', 'knowledge_search_nodes', 'knowledge_open_nodes', 'knowledge_search',
  'knowledge_neighbors', 'knowledge_subgraph', 'knowledge_path', 'knowledge_supersede', 'knowledge_define_type',
  'knowledge_list_types', 'knowledge_export', 'knowledge_import', 'knowledge_update_entity',
  'knowledge_list_projects',
];

// [tool, arguments, a fragment the error message must contain]
const BAD = [
  ['knowledge_create_entities', {}, '"entities" is required'],
  ['knowledge_create_entities', { entities: 'Alice' }, 'must be an array'],
  ['knowledge_create_entities', { entities: [{ name: 'A' }] }, 'entities[0].entityType is required'],
  ['knowledge_create_entities', { entities: [{ name: 5, entityType: 't', observations: [] }] }, 'entities[0].name must be a string'],
  ['knowledge_create_entities', { entities: [{ name: 'A', entityType: 't', observations: [1] }] }, 'observations[0] must be a string'],
  ['knowledge_create_entities', { entities: [{ name: 'A', entityType: 't', observations: [], validFrom: 'soon' }] }, 'UTC time'],
  ['knowledge_create_entities', { entities: [], project: '' }, '"project" must be a non-empty string'],
  ['knowledge_create_entities', { entities: [], project: 7 }, '"project" must be'],
  ['knowledge_create_relations', { relations: [{ from: 'Alice', to: 'Bob' }] }, 'relations[0].relationType is required'],
  ['knowledge_create_relations', { relations: null }, 'must be an array'],
  ['knowledge_add_observations', { observations: [{ entityName: 'Nobody', contents: ['x'] }] }, 'Entity with name Nobody not found'],
  ['knowledge_add_observations', { observations: [{ entityName: 'Alice', contents: 'x' }] }, 'contents must be an array'],
  ['knowledge_add_observations', { observations: [{ entityName: 'Alice', contents: ['ok'] }, { entityName: 'Ghost', contents: ['x'] }] }, 'Ghost not found'],
  ['knowledge_delete_entities', { entityNames: 'Alice' }, 'must be an array'],
  ['knowledge_delete_entities', { entityNames: [1] }, 'entityNames[0] must be a string'],
  ['knowledge_delete_observations', { deletions: [{ entityName: 'Alice' }] }, 'observations is required'],
  ['knowledge_delete_relations', { relations: [{ from: 1, to: 'x', relationType: 'y' }] }, 'relations[0].from must be a string'],
  ['knowledge_read_graph', { limit: 0 }, '"limit" must be an integer from 1'],
  ['knowledge_read_graph', { limit: 'ten' }, '"limit" must be an integer'],
  ['knowledge_read_graph', { cursor: 'abc' }, '"cursor" must be the nextCursor'],
  ['knowledge_read_graph', { detail: 'everything' }, '"detail" must be'],
  ['knowledge_read_graph', { as_of: 'last week' }, 'as_of must be a UTC time'],
  ['knowledge_search_nodes', {}, '"query" is required'],
  ['knowledge_search_nodes', { query: 42 }, '"query" must be'],
  ['knowledge_open_nodes', { names: 'Alice' }, 'must be an array'],
  ['knowledge_search', { query: 'ab' }, 'at least one word of 3'],
  ['knowledge_search', {}, '"query" is required'],
  ['knowledge_neighbors', { name: 'Nobody' }, 'Entity with name Nobody not found'],
  ['knowledge_neighbors', { name: 'Alice', depth: 99 }, '"depth" must be an integer from 1 to 10'],
  ['knowledge_neighbors', { name: 'Alice', direction: 'sideways' }, '"direction" must be'],
  ['knowledge_subgraph', {}, '"name" is required'],
  ['knowledge_path', { from: 'Alice', to: 'Nobody' }, 'Entity with name Nobody not found'],
  ['knowledge_path', { from: 'Alice' }, '"to" is required'],
  ['knowledge_supersede', {}, 'say what to supersede'],
  ['knowledge_supersede', { entityName: 'Alice', oldObservation: 'never said', newObservation: 'x' }, 'no current observation'],
  ['knowledge_supersede', { oldEntity: 'Nobody', newEntity: { name: 'N2', entityType: 't', observations: [] } }, 'Nobody not found'],
  ['knowledge_define_type', { kind: 'colour', name: 'x', definition: {} }, '"kind" must be'],
  ['knowledge_define_type', { kind: 'entity', name: 'x', definition: { required: 'p' } }, 'required must be an array'],
  ['knowledge_export', { format: 'svg' }, '"format" must be json, graphml, cytoscape or dot'],
  ['knowledge_import', {}, 'give "path"'],
  ['knowledge_import', { path: '/nonexistent/memory.jsonl' }, 'cannot read'],
  ['knowledge_update_entity', { name: 'Nobody', entityType: 'x' }, 'Entity with name Nobody not found'],
  ['knowledge_update_entity', { name: 'Alice', properties: [] }, '"properties" must be an object'],
];

before(async () => {
  server = await startSwitchboard({ max_batch: 1000 });
  await call(server.client, 'knowledge_create_entities', {
    entities: [
      { name: 'Alice', entityType: 'person', observations: ['likes tea'] },
      { name: 'Bob', entityType: 'person', observations: [] },
    ],
  });
  await call(server.client, 'knowledge_create_relations', { relations: [{ from: 'Alice', to: 'Bob', relationType: 'knows' }] });
  before_graph = await fullGraph();
});

after(async () => {
  await server?.close();
});

async function fullGraph() {
  const result = await call(server.client, 'knowledge_export', { format: 'json' });
  return graphAsSets(JSON.parse(result.text));
}

test('every tool is covered by at least one bad input', async () => {
  const listed = (await server.client.listTools()).tools.map((t) => t.name).sort();
  assert.deepEqual(listed, [...TOOLS].sort());
  const covered = new Set(BAD.map(([tool]) => tool));
  for (const tool of TOOLS.filter((t) => !['knowledge_list_types', 'knowledge_list_projects'].includes(t)))
    assert.ok(covered.has(tool), `${tool} has a bad-input case`);
});

for (const [tool, args, fragment] of BAD) {
  test(`${tool} ${JSON.stringify(args).slice(0, 80)} -> isError mentioning "${fragment}"`, async () => {
    const result = await call(server.client, tool, args);
    assert.equal(result.isError, true, `expected an error, got ${result.text.slice(0, 200)}`);
    assert.ok(result.text.includes(fragment), `message "${result.text}" should contain "${fragment}"`);
    assert.deepEqual(await fullGraph(), before_graph, 'the stored graph is unchanged');
  });
}

test('a huge batch is refused whole with the limit in the message', async () => {
  const entities = Array.from({ length: 1001 }, (_, i) => ({ name: `E${i}`, entityType: 't', observations: [] }));
  const result = await call(server.client, 'knowledge_create_entities', { entities });
  assert.equal(result.isError, true);
  assert.match(result.text, /1001 items; at most 1000/);
  const observations = [{ entityName: 'Alice', contents: Array.from({ length: 1001 }, (_, i) => `o${i}`) }];
  const added = await call(server.client, 'knowledge_add_observations', { observations });
  assert.equal(added.isError, true);
  assert.match(added.text, /1001 observations; at most 1000/);
  assert.deepEqual(await fullGraph(), before_graph);
});

test('a batch at the limit is accepted whole', async () => {
  const entities = Array.from({ length: 1000 }, (_, i) => ({ name: `Bulk ${i}`, entityType: 't', observations: [`n${i}`] }));
  const result = await call(server.client, 'knowledge_create_entities', { entities });
  assert.equal(result.isError, false, result.text);
  assert.equal(result.structured.entities.length, 1000);
  await call(server.client, 'knowledge_delete_entities', { entityNames: entities.map((e) => e.name) });
  assert.deepEqual(await fullGraph(), before_graph);
});

test('names with SQL and FTS syntax are data, not syntax', async () => {
  const tricky = ["Robert'); DROP TABLE entities;--", 'NEAR(a b)', '"unbalanced', 'a*', 'col:umn'];
  await call(server.client, 'knowledge_create_entities', {
    entities: tricky.map((name) => ({ name, entityType: 'tricky', observations: [name] })),
  });
  for (const name of tricky) {
    const found = await call(server.client, 'knowledge_search_nodes', { query: name, detail: 'names' });
    assert.equal(found.isError, false, found.text);
    assert.ok(found.structured.entities.includes(name), `search finds ${name}`);
  }
  await call(server.client, 'knowledge_delete_entities', { entityNames: tricky });
  assert.deepEqual(await fullGraph(), before_graph);
});
