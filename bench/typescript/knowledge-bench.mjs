// knowledge-bench.mjs: the knowledge plugin against the reference memory server
// (@modelcontextprotocol/server-memory), side by side in one run, through the same official
// TypeScript SDK client over stdio, on identical operation sequences.
//
// For each graph size (default 1k, 10k and 100k entities) and each server, on a fresh data file:
//   create_entities  the graph, in batches of --batch entities, each with two observations
//   add_observations --ops calls (default 1000), each adding one observation to one random entity
//   search_nodes     --ops calls, each for one random word that a few entities' observations hold
//   open_nodes       --ops calls, each for 5 random names
//   read_graph       3 calls, the whole graph (compat mode answers as the reference does)
// and the server's resident set (VmRSS) after each phase. Before the timed add_observations,
// search_nodes and open_nodes calls, each server gets --warmup untimed calls of the same kind
// (default 500; at most as many as its timed calls): the client's own code (the SDK's result
// checks, V8's compiled code) takes about 600 calls to reach its steady speed, which would
// otherwise count against the faster server. Operations and their arguments come
// from one seeded generator, so both servers see the same sequence. From --reference-cap-from
// entities on (default 100k) the reference, which rewrites its whole file on every call, gets
// its graph written into its file up to the last --reference-batches batches (default 10) and
// --reference-ops calls per operation (default 20); the report says so.
//
//   node knowledge-bench.mjs --switchboard BIN --plugin-dir DIR [--sizes 1000,10000,100000]
//                            [--ops 1000] [--warmup 500] [--batch 100] [--seed 7] [--servers reference,switchboard]
//                            [--reference-cap-from 100000] [--reference-batches 10] [--reference-ops 20]
//
// BENCH_DEBUG=1 shows the servers' stderr and progress every 100 calls; BENCH_LOG_LEVEL sets
// Switchboard's log level (default warn).
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
    ops: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '100' },
    seed: { type: 'string', default: '7' },
    servers: { type: 'string', default: 'reference,switchboard' },
    'reference-cap-from': { type: 'string', default: '100000' },
    'reference-batches': { type: 'string', default: '10' },
    'reference-ops': { type: 'string', default: '20' },
    warmup: { type: 'string', default: '500' },
  },
});
if (!options.switchboard || !options['plugin-dir']) {
  console.error('usage: knowledge-bench.mjs --switchboard BIN --plugin-dir DIR [--sizes 1000,10000] [--ops N] [--batch N] ' +
    '[--servers reference,switchboard] [--reference-cap-from N] [--reference-batches N] [--reference-ops N] ' +
    '[--warmup N]');
  process.exit(2);
}
const sizes = options.sizes.split(',').map(Number);
const ops = Number(options.ops);
const batch = Number(options.batch);
const warmup = Number(options.warmup);

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
  // The first `warmup` of each kind are the untimed warm-up calls.
  const observations = Array.from({ length: warmup + ops }, (_, k) => ({
    observations: [{ entityName: entityName(pick(size)), contents: [`note ${k} about ${words[pick(words.length)]}`] }],
  }));
  const searches = Array.from({ length: warmup + ops }, () => ({ query: rareWord(pick(size)) }));
  const opens = Array.from({ length: warmup + ops }, () => ({ names: Array.from({ length: 5 }, () => entityName(pick(size))) }));
  return { creates, relations, observations, searches, opens };
}

// ---- the servers ---------------------------------------------------------------------------------

function rssMib(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

// A full read_graph at 100k entities is tens of MiB on one line, over the SDK client's default
// 10 MiB line limit (it closes the connection); both servers get the same larger limit.
const maxBufferSize = 1 << 30;

async function connect(kind, dir) {
  let transport;
  if (kind === 'reference') {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(here, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
      env: { ...process.env, MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
      stderr: process.env.BENCH_DEBUG ? 'inherit' : 'ignore',
      maxBufferSize,
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
        log: { level: process.env.BENCH_LOG_LEVEL ?? 'warn' },
      }),
    );
    transport = new StdioClientTransport({
      command: options.switchboard,
      args: ['--config', config, '--stdio'],
      stderr: process.env.BENCH_DEBUG ? 'inherit' : 'ignore',
      maxBufferSize,
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

// Runs `calls` one after another; returns {perSecond, p50, p99} (latencies in ms) and the size
// of the last answer's text in MiB.
async function timed(client, name, calls) {
  const latencies = [];
  let answerMib = 0;
  const start = performance.now();
  for (const args of calls) {
    const t = performance.now();
    const result = await call(client, name, args);
    latencies.push(performance.now() - t);
    answerMib = Buffer.byteLength(result.content?.[0]?.text ?? '') / (1 << 20);
    if (process.env.BENCH_DEBUG && latencies.length % 100 === 0) console.error(`${name}: ${latencies.length} calls done`);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    seconds,
    answerMib,
    perSecond: calls.length / seconds,
    p50: latencies[Math.floor(latencies.length / 2)],
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
  };
}

// The reference rewrites its whole file on every call, so at large sizes (--reference-cap-from,
// default 100k) it is given fewer calls: the graph up to its last --reference-batches batches is
// written straight into its JSONL file (in the reference's own format), only those last batches
// are created through calls, and each other operation gets --reference-ops calls. The final
// graph is the same as ours; the report prints the counts.
function referencePlan(size, seq) {
  if (size < Number(options['reference-cap-from'])) return { preloaded: 0, ops };
  const timedBatches = Math.min(seq.creates.length, Number(options['reference-batches']));
  return { preloaded: seq.creates.length - timedBatches, ops: Math.min(ops, Number(options['reference-ops'])) };
}

function writeReferenceFile(path, seq, batches) {
  const lines = [];
  for (const { entities } of seq.creates.slice(0, batches))
    for (const e of entities)
      lines.push(JSON.stringify({ type: 'entity', name: e.name, entityType: e.entityType, observations: e.observations }));
  for (const { relations } of seq.relations.slice(0, batches))
    for (const r of relations) lines.push(JSON.stringify({ type: 'relation', from: r.from, to: r.to, relationType: r.relationType }));
  writeFileSync(path, lines.join('\n'));
}

async function measure(kind, seq, plan) {
  const dir = mkdtempSync(join(tmpdir(), `knowledge-bench-${kind}-`));
  if (plan.preloaded > 0) writeReferenceFile(join(dir, 'memory.jsonl'), seq, plan.preloaded);
  const { client, transport } = await connect(kind, dir);
  const rss = {};
  try {
    rss.start = rssMib(transport.pid);
    const creates = seq.creates.slice(plan.preloaded);
    const create = await timed(client, 'create_entities', creates);
    create.entitiesPerSecond = creates.reduce((n, c) => n + c.entities.length, 0) / create.seconds;
    await timed(client, 'create_relations', seq.relations.slice(plan.preloaded));
    rss.built = rssMib(transport.pid);
    // Warm-up calls end where the timed ones begin, so both servers time the same calls.
    const warm = Math.min(warmup, plan.ops);
    const timedAfterWarmup = async (name, calls) => {
      for (const args of calls.slice(warmup - warm, warmup)) await call(client, name, args);
      return timed(client, name, calls.slice(warmup, warmup + plan.ops));
    };
    const add = await timedAfterWarmup('add_observations', seq.observations);
    const search = await timedAfterWarmup('search_nodes', seq.searches);
    const open = await timedAfterWarmup('open_nodes', seq.opens);
    const read = await timed(client, 'read_graph', [{}, {}, {}]);
    rss.end = rssMib(transport.pid);
    return { create, add, search, open, read, rss };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the report ------------------------------------------------------------------------------------

const fixed = (value, digits = 0) =>
  value === undefined ? '-' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
function row(measure, ours, theirs, ratio, goal = '') {
  console.log(`${measure.padEnd(46)} ${ours.padStart(12)} ${theirs.padStart(12)} ${ratio.padStart(10)}  ${goal}`);
}
const verdict = (ratio, goal) => `>= ${goal}x  ${ratio >= goal ? 'met' : 'MISSED'}`;
// `higher` is true when a larger value is better (throughput), false for latencies.
const ratioOf = (ours, theirs, higher) =>
  ours === undefined || theirs === undefined ? undefined : higher ? ours / theirs : theirs / ours;

const sdkVersion = JSON.parse(readFileSync(join(here, 'node_modules/@modelcontextprotocol/sdk/package.json'))).version;
const refVersion = JSON.parse(
  readFileSync(join(here, 'node_modules/@modelcontextprotocol/server-memory/package.json')),
).version;
const servers = new Set(options.servers.split(','));
console.log(
  `knowledge plugin (${options.switchboard}, compat_names) vs @modelcontextprotocol/server-memory ${refVersion}, ` +
    `both through the TypeScript SDK ${sdkVersion} client over stdio; ${ops} calls per operation after ` +
    `${warmup} untimed ones, batches of ${batch}\n`,
);
row('measure', 'knowledge', 'reference', 'ratio', 'goal');
for (const size of sizes) {
  const seq = sequence(size, Number(options.seed) + size);
  const plan = referencePlan(size, seq);
  const theirs = servers.has('reference') ? await measure('reference', seq, plan) : undefined;
  const ours = servers.has('switchboard') ? await measure('switchboard', seq, { preloaded: 0, ops }) : undefined;
  const get = (side, path) => path.split('.').reduce((value, key) => value?.[key], side);
  const label = `${fixed(size)} entities`;
  const line = (name, path, digits, higher, goal = () => '') => {
    const ratio = ratioOf(get(ours, path), get(theirs, path), higher);
    row(name, fixed(get(ours, path), digits), fixed(get(theirs, path), digits),
      ratio === undefined ? '' : `${fixed(ratio, 1)}x`, ratio === undefined ? '' : goal(ratio));
  };
  if (servers.has('reference') && plan.preloaded > 0)
    console.log(`${label}: the reference's first ${fixed(plan.preloaded * batch)} entities and their relations were ` +
      `written to its file; it got ${seq.creates.length - plan.preloaded} create batches and ${plan.ops} calls per operation ` +
      `after ${Math.min(warmup, plan.ops)} untimed ones`);
  line(`${label}: create_entities (entities/s)`, 'create.entitiesPerSecond', 0, true);
  line('  add_observations (calls/s)', 'add.perSecond', 0, true, (r) => (size === 10000 ? verdict(r, 100) : ''));
  const latency = (side, op) =>
    side === undefined ? '-' : `${fixed(side[op].p50, 2)} / ${fixed(side[op].p99, 2)}`;
  const searchRatio = ratioOf(ours?.search.p50, theirs?.search.p50, false);
  row('  search_nodes p50 / p99 (ms)', latency(ours, 'search'), latency(theirs, 'search'),
    searchRatio === undefined ? '' : `${fixed(searchRatio, 1)}x`,
    size === 100000 && ours ? `p50 < 2 ms  ${ours.search.p50 < 2 ? 'met' : 'MISSED'}` : '');
  line('  open_nodes p50 (ms)', 'open.p50', 2, false);
  line('  read_graph p50 (ms)', 'read.p50', 1, false);
  line('  read_graph answer (MiB)', 'read.answerMib', 1, false);
  const rss = (side) =>
    side === undefined ? '-' : `${fixed(side.rss.start, 1)}/${fixed(side.rss.built, 1)}/${fixed(side.rss.end, 1)}`;
  row('  server RSS start / built / end (MiB)', rss(ours), rss(theirs), '');
}
