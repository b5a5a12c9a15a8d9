// knowledge-bench.mjs: the knowledge plugin against the reference memory server
// (@modelcontextprotocol/server-memory), side by side in one run, through the same official
// TypeScript SDK client over stdio, on identical operation sequences.
//
// For each graph size (default 1k, 10k and 100k entities) and each server, on a fresh data file:
//   create_entities  the graph, in batches of --batch entities, each with two observations
//   add_observations --ops calls, each adding one observation to one random entity
//   search_nodes     --ops calls, each for one random word that a few entities' observations hold
//   open_nodes       --ops calls, each for 5 random names
//   read_graph       3 calls, the whole graph (compat mode answers as the reference does)
// and the server's resident set (VmRSS) after each phase. Operations and their arguments come
// from one seeded generator, so both servers see the same sequence. From --reference-cap-from
// entities on (default 100k) the reference, which rewrites its whole file on every call, gets
// its graph written into its file up to the last --reference-batches batches (default 10) and
// --reference-ops calls per operation (default 20); the report says so.
//
//   node knowledge-bench.mjs --switchboard BIN --plugin-dir DIR [--sizes 1000,10000,100000]
//                            [--ops 200] [--batch 100] [--seed 7] [--servers reference,switchboard]
//                            [--reference-cap-from 100000] [--reference-batches 10] [--reference-ops 20]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: options } = parseArgs({
  options: {
    switchboard: { type: 'string' },
    'plugin-dir': { type: 'string' },
    sizes: { type: 'string', default: '1000,10000,100000' },
    ops: { type: 'string', default: '200' },
    batch: { type: 'string', default: '100' },
    seed: { type: 'string', default: '7' },
  },
});
if (!options.switchboard || !options['plugin-dir']) {
  console.error('usage: knowledge-bench.mjs --switchboard BIN --plugin-dir DIR [--sizes 1000,10000] [--ops N] [--batch N] ' +
    '[--servers reference,switchboard] [--reference-cap-from N] [--reference-batches N] [--reference-ops N]');
  process.exit(2);
}
const sizes = options.sizes.split(',').map(Number);
const ops = Number(options.ops);
const batch = Number(options.batch);

// ---- the operation sequence ---------------------------------------------------------------------

function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0; // mulberry32
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const types = ['person', 'project', 'task', 'document', 'decision'];
const entityName = (i) => `entity-${i}`;
// Word i/20 appears in about 20 entities' observations, so a search finds a few, as a real one does.
const rareWord = (i) => `topic${Math.floor(i / 20)}`;

function sequence(size, seed) {
  const random = generator(seed);
  const pick = (n) => Math.floor(random() * n);
  const creates = [];
  for (let start = 0; start < size; start += batch) {
    const entities = [];
    for (let i = start; i < Math.min(size, start + batch); i++) {
      entities.push({
        name: entityName(i),
        entityType: types[i % types.length],
        observations: [`${words[pick(words.length)]} works on ${rareWord(i)}`, `created as number ${i}`],
      });
    }
    creates.push({ entities });
  }
  const relations = [];
  for (let start = 0; start < size; start += batch) {
    const batchRelations = [];
    for (let i = start; i < Math.min(size, start + batch); i++)
      batchRelations.push({ from: entityName(i), to: entityName(pick(size)), relationType: 'depends_on' });
    relations.push({ relations: batchRelations });
  }
  const observations = Array.from({ length: ops }, (_, k) => ({
    observations: [{ entityName: entityName(pick(size)), contents: [`note ${k} about ${words[pick(words.length)]}`] }],
  }));
  const searches = Array.from({ length: ops }, () => ({ query: rareWord(pick(size)) }));
  const opens = Array.from({ length: ops }, () => ({ names: Array.from({ length: 5 }, () => entityName(pick(size))) }));
  return { creates, relations, observations, searches, opens };
}

// ---- the servers ---------------------------------------------------------------------------------

function rssMib(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function connect(kind, dir) {
  let transport;
  if (kind === 'reference') {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(here, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
      env: { ...process.env, MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
      stderr: process.env.BENCH_DEBUG ? 'inherit' : 'ignore',
    });
  } else {
    const config = join(dir, 'switchboard.json');
    writeFileSync(
      config,
      JSON.stringify({
        data_dir: join(dir, 'data'),
        plugin_paths: [resolve(options['plugin-dir'])], // the config lives elsewhere
        discover: false,
        plugins: { knowledge: { config: { compat_names: true } } },
        log: { level: 'warn' },
      }),
    );
    transport = new StdioClientTransport({
      command: options.switchboard,
      args: ['--config', config, '--stdio'],
      stderr: process.env.BENCH_DEBUG ? 'inherit' : 'ignore',
    });
  }
  const client = new Client({ name: 'knowledge-bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 });
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result;
}

// Runs `calls` one after another; returns {perSecond, p50, p99} (latencies in ms).
async function timed(client, name, calls) {
  const latencies = [];
  const start = performance.now();
  for (const args of calls) {
    const t = performance.now();
    await call(client, name, args);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: calls.length / seconds,
    p50: latencies[Math.floor(latencies.length / 2)],
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
  };
}

async function measure(kind, size, seq) {
  const dir = mkdtempSync(join(tmpdir(), `knowledge-bench-${kind}-`));
  const { client, transport } = await connect(kind, dir);
  const rss = {};
  try {
    rss.start = rssMib(transport.pid);
    const create = await timed(client, 'create_entities', seq.creates);
    create.entitiesPerSecond = size / (seq.creates.length / create.perSecond);
    await timed(client, 'create_relations', seq.relations);
    rss.built = rssMib(transport.pid);
    const add = await timed(client, 'add_observations', seq.observations);
    const search = await timed(client, 'search_nodes', seq.searches);
    const open = await timed(client, 'open_nodes', seq.opens);
    const read = await timed(client, 'read_graph', [{}, {}, {}]);
    rss.end = rssMib(transport.pid);
    return { create, add, search, open, read, rss };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the report ------------------------------------------------------------------------------------

const fixed = (value, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
function row(measure, ours, theirs, ratio, goal = '') {
  console.log(`${measure.padEnd(46)} ${ours.padStart(12)} ${theirs.padStart(12)} ${ratio.padStart(10)}  ${goal}`);
}
const verdict = (ratio, goal, atMost) =>
  `${atMost ? '<=' : '>='} ${goal}x  ${(atMost ? ratio <= goal : ratio >= goal) ? 'met' : 'MISSED'}`;

const sdkVersion = JSON.parse(readFileSync(join(here, 'node_modules/@modelcontextprotocol/sdk/package.json'))).version;
const refVersion = JSON.parse(
  readFileSync(join(here, 'node_modules/@modelcontextprotocol/server-memory/package.json')),
).version;
console.log(
  `knowledge plugin (${options.switchboard}, compat_names) vs @modelcontextprotocol/server-memory ${refVersion}, ` +
    `both through the TypeScript SDK ${sdkVersion} client over stdio; ${ops} calls per operation, batches of ${batch}\n`,
);
row('measure', 'knowledge', 'reference', 'ratio', 'goal');
for (const size of sizes) {
  const seq = sequence(size, Number(options.seed) + size);
  const theirs = await measure('reference', size, seq);
  const ours = await measure('switchboard', size, seq);
  const label = `${fixed(size)} entities`;
  row(`${label}: create_entities (entities/s)`, fixed(ours.create.entitiesPerSecond), fixed(theirs.create.entitiesPerSecond),
    `${fixed(ours.create.entitiesPerSecond / theirs.create.entitiesPerSecond, 1)}x`);
  const addRatio = ours.add.perSecond / theirs.add.perSecond;
  row(`  add_observations (calls/s)`, fixed(ours.add.perSecond), fixed(theirs.add.perSecond), `${fixed(addRatio, 1)}x`,
    size === 10000 ? verdict(addRatio, 100, false) : '');
  row(`  search_nodes p50 / p99 (ms)`, `${fixed(ours.search.p50, 2)} / ${fixed(ours.search.p99, 2)}`,
    `${fixed(theirs.search.p50, 2)} / ${fixed(theirs.search.p99, 2)}`, `${fixed(theirs.search.p50 / ours.search.p50, 1)}x`,
    size === 100000 ? `p50 < 2 ms  ${ours.search.p50 < 2 ? 'met' : 'MISSED'}` : '');
  row(`  open_nodes p50 (ms)`, fixed(ours.open.p50, 2), fixed(theirs.open.p50, 2), `${fixed(theirs.open.p50 / ours.open.p50, 1)}x`);
  row(`  read_graph p50 (ms)`, fixed(ours.read.p50, 1), fixed(theirs.read.p50, 1), `${fixed(theirs.read.p50 / ours.read.p50, 1)}x`);
  row(`  server RSS start / built / end (MiB)`,
    `${fixed(ours.rss.start, 1)}/${fixed(ours.rss.built, 1)}/${fixed(ours.rss.end, 1)}`,
    `${fixed(theirs.rss.start, 1)}/${fixed(theirs.rss.built, 1)}/${fixed(theirs.rss.end, 1)}`, '');
}
