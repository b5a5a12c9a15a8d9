// features.test.mjs: what the plugin offers beyond the reference server, over stdio through the
// official TypeScript SDK client: knowledge_* names, bounded reads with cursors, projects,
// ranked search, traversal, supersession and as_of, type rules, export, import of a reference
// server's file, the subscribable graph resource, and observations that survive a kill.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { call, graphAsSets, restartableSwitchboard, startReference, startSwitchboard } from './helpers.mjs';

const TYPES = {
  entities: {
    requirement: {
      properties: { priority: { type: 'string', enum: ['must', 'should'] } },
      required: ['priority'],
      requiredRelations: [{ relationType: 'part_of', direction: 'outgoing', targetType: 'document' }],
    },
  },
  relations: { member_of: { fromTypes: ['person', 'agent'], toTypes: ['team'] } },
};

let server;
let client;
const tool = (name, args = {}) => call(client, name, args);

before(async () => {
  server = await startSwitchboard({ default_limit: 50, types: TYPES });
  client = server.client;
});

after(async () => {
  await server?.close();
});

describe('names and bounded reads', () => {
  test('without compat_names the tools carry the knowledge_ prefix', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('knowledge_create_entities'));
    assert.ok(!names.includes('create_entities'));
  });

  test('read_graph answers one page at a time and the cursor walks the rest', async () => {
    const entities = Array.from({ length: 120 }, (_, i) => ({ name: `Page ${i}`, entityType: 'task', observations: [`n${i}`] }));
    await tool('knowledge_create_entities', { entities, project: 'paging' });
    const first = await tool('knowledge_read_graph', { project: 'paging' });
    assert.equal(first.structured.entities.length, 50);
    assert.equal(first.structured.entities[0].observationCount, 1, 'summary detail by default');
    const seen = [];
    let cursor;
    do {
      const page = await tool('knowledge_read_graph', { project: 'paging', limit: 40, detail: 'names', cursor });
      seen.push(...page.structured.entities);
      cursor = page.structured.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    assert.equal(seen[0], 'Page 0');
  });

  test('projects are isolated', async () => {
    await tool('knowledge_create_entities', { entities: [{ name: 'Solo', entityType: 'agent', observations: [] }], project: 'p1' });
    const other = await tool('knowledge_search_nodes', { query: 'Solo', project: 'p2' });
    assert.deepEqual(other.structured.entities, []);
    const projects = await tool('knowledge_list_projects');
    assert.ok(projects.structured.projects.includes('p1'));
  });
});

describe('search and traversal', () => {
  before(async () => {
    await tool('knowledge_create_entities', {
      project: 'org',
      entities: [
        { name: 'Ann', entityType: 'person', observations: ['leads the compiler team', 'compiler compiler compiler'] },
        { name: 'Bob', entityType: 'person', observations: ['writes docs about the compiler'] },
        { name: 'Core', entityType: 'team', observations: [] },
        { name: 'Org', entityType: 'team', observations: [] },
        { name: 'Compiler Guide', entityType: 'document', observations: ['how to build'] },
      ],
    });
    await tool('knowledge_create_relations', {
      project: 'org',
      relations: [
        { from: 'Ann', to: 'Core', relationType: 'member_of' },
        { from: 'Bob', to: 'Core', relationType: 'member_of' },
        { from: 'Core', to: 'Org', relationType: 'part_of' },
        { from: 'Bob', to: 'Ann', relationType: 'reports_to' },
      ],
    });
  });

  test('knowledge_search ranks by bm25, gives snippets, filters by type and pages', async () => {
    const all = await tool('knowledge_search', { project: 'org', query: 'compiler' });
    const names = all.structured.results.map((r) => r.name);
    assert.deepEqual([...names].sort(), ['Ann', 'Bob', 'Compiler Guide']);
    for (const hit of all.structured.results) assert.match(hit.snippet, /\[/);
    const people = await tool('knowledge_search', { project: 'org', query: 'compiler', types: ['document'] });
    assert.deepEqual(people.structured.results.map((r) => r.name), ['Compiler Guide']);
    const page = await tool('knowledge_search', { project: 'org', query: 'compiler', limit: 2 });
    assert.equal(page.structured.results.length, 2);
    const rest = await tool('knowledge_search', { project: 'org', query: 'compiler', limit: 2, cursor: page.structured.nextCursor });
    assert.equal(rest.structured.results.length, 1);
  });

  test('neighbors by depth, direction and relation type', async () => {
    const one = await tool('knowledge_neighbors', { project: 'org', name: 'Core', direction: 'incoming' });
    assert.deepEqual(one.structured.entities.map((e) => e.name).sort(), ['Ann', 'Bob', 'Core']);
    const two = await tool('knowledge_neighbors', { project: 'org', name: 'Ann', depth: 2, direction: 'outgoing' });
    assert.deepEqual(two.structured.entities.map((e) => [e.name, e.depth]), [['Ann', 0], ['Core', 1], ['Org', 2]]);
    const typed = await tool('knowledge_neighbors', { project: 'org', name: 'Ann', relationTypes: ['reports_to'] });
    assert.deepEqual(typed.structured.entities.map((e) => e.name), ['Ann', 'Bob']);
  });

  test('shortest path and capped subgraph', async () => {
    const path = await tool('knowledge_path', { project: 'org', from: 'Bob', to: 'Org' });
    assert.equal(path.structured.found, true);
    assert.deepEqual(path.structured.relations.map((r) => r.relationType), ['member_of', 'part_of']);
    const none = await tool('knowledge_path', { project: 'org', from: 'Ann', to: 'Compiler Guide' });
    assert.equal(none.structured.found, false);
    const capped = await tool('knowledge_subgraph', { project: 'org', name: 'Core', depth: 3, maxNodes: 2 });
    assert.equal(capped.structured.entities.length, 2);
    assert.equal(capped.structured.truncated, true);
  });
});

describe('time', () => {
  test('supersede closes the old fact; as_of still reads it', async () => {
    await tool('knowledge_create_entities', { project: 'time', entities: [{ name: 'Plan', entityType: 'decision', observations: ['ship in May'] }] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const superseded = await tool('knowledge_supersede', {
      project: 'time', entityName: 'Plan', oldObservation: 'ship in May', newObservation: 'ship in June',
    });
    assert.equal(superseded.isError, false, superseded.text);
    const now = await tool('knowledge_open_nodes', { project: 'time', names: ['Plan'] });
    assert.deepEqual(now.structured.entities[0].observations.map((o) => o.content), ['ship in June']);
    const then = await tool('knowledge_open_nodes', { project: 'time', names: ['Plan'], as_of: before });
    assert.deepEqual(then.structured.entities[0].observations.map((o) => o.content), ['ship in May']);
    const full = now.structured.entities[0];
    assert.ok(full.createdAt && full.updatedAt && full.validFrom, 'times are recorded');
  });
});

describe('type rules', () => {
  test('a violation is an error naming the rule, and writes nothing', async () => {
    const missing = await tool('knowledge_create_entities', {
      project: 'types',
      entities: [{ name: 'R1', entityType: 'requirement', observations: [], properties: { priority: 'must' } }],
    });
    assert.equal(missing.isError, true);
    assert.match(missing.text, /rule requirement\.requiredRelations\[part_of\]/);
    const none = await tool('knowledge_open_nodes', { project: 'types', names: ['R1'] });
    assert.deepEqual(none.structured.entities, []);

    await tool('knowledge_create_entities', { project: 'types', entities: [{ name: 'Spec', entityType: 'document', observations: [] }] });
    await tool('knowledge_create_relations', { project: 'types', relations: [{ from: 'R1', to: 'Spec', relationType: 'part_of' }] });
    const bad = await tool('knowledge_create_entities', {
      project: 'types',
      entities: [{ name: 'R1', entityType: 'requirement', observations: [], properties: { priority: 'later' } }],
    });
    assert.match(bad.text, /rule requirement\.properties\.priority\.enum/);
    const good = await tool('knowledge_create_entities', {
      project: 'types',
      entities: [{ name: 'R1', entityType: 'requirement', observations: [], properties: { priority: 'must' } }],
    });
    assert.equal(good.isError, false, good.text);

    const relation = await tool('knowledge_create_relations', { project: 'types', relations: [{ from: 'Spec', to: 'R1', relationType: 'member_of' }] });
    assert.match(relation.text, /rule member_of\.fromTypes/);
  });

  test('knowledge_define_type adds a rule for one project', async () => {
    const defined = await tool('knowledge_define_type', {
      project: 'types', kind: 'entity', name: 'task', definition: { required: ['owner'] },
    });
    assert.equal(defined.isError, false, defined.text);
    const refused = await tool('knowledge_create_entities', { project: 'types', entities: [{ name: 'T', entityType: 'task', observations: [] }] });
    assert.match(refused.text, /rule task\.required\[owner\]/);
    const elsewhere = await tool('knowledge_create_entities', { project: 'free', entities: [{ name: 'T', entityType: 'task', observations: [] }] });
    assert.equal(elsewhere.isError, false);
    const listed = await tool('knowledge_list_types', { project: 'types' });
    assert.ok(listed.structured.definitions.entity.task);
    assert.ok(listed.structured.definitions.entity.requirement);
    assert.equal(listed.structured.entityTypes.length, 11);
  });
});

describe('export, import and the graph resource', () => {
  test('every export format', async () => {
    for (const [format, pattern] of [['json', /"entities"/], ['graphml', /<graphml/], ['cytoscape', /"elements"/], ['dot', /digraph/]]) {
      const result = await tool('knowledge_export', { project: 'org', format });
      assert.equal(result.isError, false);
      assert.match(result.text, pattern, format);
    }
  });

  test("knowledge_import takes over a reference server's memory file", async () => {
    const reference = await startReference();
    try {
      await call(reference.client, 'create_entities', {
        entities: [
          { name: 'Imported', entityType: 'person', observations: ['from the old server'] },
          { name: 'Other', entityType: 'team', observations: [] },
        ],
      });
      await call(reference.client, 'create_relations', { relations: [{ from: 'Imported', to: 'Other', relationType: 'member_of' }] });
      const theirs = await call(reference.client, 'read_graph', {});
      const imported = await tool('knowledge_import', { project: 'migrated', path: reference.memoryFile });
      assert.equal(imported.isError, false, imported.text);
      assert.equal(imported.structured.entitiesCreated, 2);
      const again = await tool('knowledge_import', { project: 'migrated', path: reference.memoryFile });
      assert.equal(again.structured.entitiesCreated, 0, 'importing twice changes nothing');
      const ours = await tool('knowledge_export', { project: 'migrated', format: 'json' });
      assert.deepEqual(graphAsSets(JSON.parse(ours.text)), graphAsSets(theirs.structured));
    } finally {
      await reference.close();
    }
  });

  test('a subscriber to a project graph hears of its changes', async () => {
    const updates = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
    const uri = 'knowledge://projects/watched/graph';
    await client.subscribeResource({ uri });
    await tool('knowledge_create_entities', { project: 'watched', entities: [{ name: 'W', entityType: 'task', observations: [] }] });
    await client.ping();
    assert.ok(updates.includes(uri), `updates: ${JSON.stringify(updates)}`);
    const read = await client.readResource({ uri });
    assert.deepEqual(JSON.parse(read.contents[0].text).entities.map((e) => e.name), ['W']);
  });
});

describe('durability', () => {
  // New observations reach the full-text index 64 at a time; the ones still waiting when the
  // process dies must be found after a restart like the others.
  test('observations answered before a kill -9 are all found after a restart', async () => {
    const data = restartableSwitchboard({});
    try {
      const first = await data.start();
      try {
        const write = (name, args) => call(first.client, name, args);
        const created = await write('knowledge_create_entities', {
          entities: [{ name: 'Kiwi', entityType: 'person', observations: [] }],
        });
        assert.equal(created.isError, false, created.text);
        for (let k = 0; k < 70; k++) {
          const added = await write('knowledge_add_observations', {
            observations: [{ entityName: 'Kiwi', contents: [`fact ${k} about kiwis, marker${k}x`] }],
          });
          assert.equal(added.isError, false, added.text);
        }
      } finally {
        await first.kill();
      }

      const second = await data.start();
      const read = (name, args) => call(second.client, name, args);
      try {
        const opened = await read('knowledge_open_nodes', { names: ['Kiwi'] });
        assert.equal(opened.structured.entities[0].observations.length, 70);
        for (const fact of ['fact 3 about', 'FACT 69 ABOUT']) {
          const found = await read('knowledge_search_nodes', { query: fact });
          assert.deepEqual(found.structured.entities.map((e) => e.name), ['Kiwi'], fact);
        }
        const ranked = await read('knowledge_search', { query: 'marker69x' });  // only in a waiting one
        assert.deepEqual(ranked.structured.results.map((r) => r.name), ['Kiwi']);
        assert.match(ranked.structured.results[0].snippet, /\[marker69x\]/);
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
    }
  });
});
