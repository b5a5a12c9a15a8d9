// concurrency.test.mjs: 8 MCP sessions over Streamable HTTP write at once (entities, shared
// observations, relations, in several projects); afterwards every write is present.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { call, startHttpSwitchboard } from './helpers.mjs';

const SESSIONS = 8;
const ROUNDS = 25;

let server;

before(async () => {
  server = await startHttpSwitchboard({ compat_names: true });
});

after(async () => {
  await server?.stop();
});

async function exported(client, project) {
  const result = await call(client, 'knowledge_export', { format: 'json', project });
  assert.equal(result.isError, false, result.text);
  return JSON.parse(result.text);
}

test(`${SESSIONS} sessions writing at once lose nothing`, async () => {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => server.connect(`writer-${i}`)));
  const [first] = clients;
  await call(first, 'create_entities', { entities: [{ name: 'Shared', entityType: 'document', observations: [] }] });

  await Promise.all(
    clients.map(async (client, session) => {
      for (let round = 0; round < ROUNDS; round++) {
        const name = `s${session}-e${round}`;
        const project = round % 2 === 0 ? 'default' : 'other';
        const calls = [
          call(client, 'create_entities', {
            entities: [{ name, entityType: 'task', observations: [`made by ${session}`] }],
            project,
          }),
          call(client, 'add_observations', {
            observations: [{ entityName: 'Shared', contents: [`note ${session}.${round}`] }],
          }),
        ];
        const results = await Promise.all(calls);
        for (const result of results) assert.equal(result.isError, false, result.text);
        const related = await call(client, 'create_relations', {
          relations: [{ from: name, to: 'Shared', relationType: 'mentions' }],
          project,
        });
        assert.equal(related.isError, false, related.text);
      }
    }),
  );

  const main = await exported(first, 'default');
  const other = await exported(first, 'other');
  const shared = main.entities.find((e) => e.name === 'Shared');
  assert.equal(shared.observations.length, SESSIONS * ROUNDS, 'every shared observation landed');
  for (let session = 0; session < SESSIONS; session++) {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `s${session}-e${round}`;
      const graph = round % 2 === 0 ? main : other;
      const entity = graph.entities.find((e) => e.name === name);
      assert.ok(entity, `${name} is present`);
      assert.deepEqual(entity.observations, [`made by ${session}`]);
      assert.ok(
        graph.relations.some((r) => r.from === name && r.to === 'Shared' && r.relationType === 'mentions'),
        `${name} -mentions-> Shared is present`,
      );
      assert.ok(shared.observations.includes(`note ${session}.${round}`));
    }
  }
  const evenRounds = Math.ceil(ROUNDS / 2);
  assert.equal(main.entities.length, 1 + SESSIONS * evenRounds);
  assert.equal(other.entities.length, SESSIONS * (ROUNDS - evenRounds));

  // Each write records the session that made it.
  const full = await call(first, 'open_nodes', { names: ['s3-e0'], detail: 'full' });
  assert.match(full.structured.entities[0].source, /^writer-3/);
});

test('the HTTP API reads and writes the same graph', async () => {
  const api = `${server.origin}/api/v1/knowledge`;
  const post = (path, body) =>
    fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  let response = await post('/entities', {
    project: 'web',
    entities: [
      { name: 'Page', entityType: 'document', observations: ['home page'] },
      { name: 'Editor', entityType: 'person', observations: [] },
    ],
  });
  assert.equal(response.status, 201, await response.clone().text());
  assert.deepEqual((await response.json()).created, ['Page', 'Editor']);

  response = await post('/relations?project=web', { relations: [{ from: 'Editor', to: 'Page', relationType: 'owns' }] });
  assert.equal(response.status, 201);
  response = await post('/observations', { project: 'web', observations: [{ entityName: 'Page', contents: ['v2'] }] });
  assert.equal(response.status, 201);

  response = await fetch(`${api}/graph?project=web&detail=full`);
  assert.equal(response.status, 200);
  const graph = await response.json();
  assert.deepEqual(graph.entities.map((e) => e.name), ['Page', 'Editor']);
  assert.deepEqual(graph.entities[0].observations.map((o) => o.content), ['home page', 'v2']);
  assert.equal(graph.relations.length, 1);

  response = await fetch(`${api}/subgraph?project=web&name=Editor&depth=1`);
  assert.equal((await response.json()).entities.length, 2);
  response = await fetch(`${api}/search?project=web&q=HOME`);
  assert.deepEqual((await response.json()).entities.map((e) => e.name), ['Page']);
  response = await fetch(`${api}/export?project=web&format=dot`);
  assert.match(response.headers.get('content-type'), /graphviz/);
  assert.match(await response.text(), /"Editor" -> "Page"/);

  response = await fetch(`${api}/entities/Page?project=web`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { url: '/' } }),
  });
  assert.equal(response.status, 200);
  response = await fetch(`${api}/relations?project=web&from=Editor&to=Page&relationType=owns`, { method: 'DELETE' });
  assert.equal(response.status, 200);
  response = await fetch(`${api}/entities/Page?project=web`, { method: 'DELETE' });
  assert.equal(response.status, 200);
  response = await fetch(`${api}/entities/Page?project=web`, { method: 'DELETE' });
  assert.equal(response.status, 404);

  // Bad input: 400 with a message; a missing entity: 404.
  response = await post('/entities', { entities: [{ name: 'X' }] });
  assert.equal(response.status, 400);
  assert.match((await response.json()).error, /entityType is required/);
  response = await post('/observations', { observations: [{ entityName: 'Ghost', contents: ['x'] }] });
  assert.equal(response.status, 404);
  response = await fetch(`${api}/graph?limit=abc`);
  assert.equal(response.status, 400);
});
