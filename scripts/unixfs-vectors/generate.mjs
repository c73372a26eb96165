// Generates the `unixfs-v1-2025` CID test vectors for scoreset's Rust UnixFS
// encoder (src/scoreset/unixfs.rs) with the reference JS importer.
//
// Usage (see README.md): node generate.mjs OUTPUT.json
// where OUTPUT.json is the repository's tests/vectors/unixfs-v1-2025.json.
//
// Every input is a deterministic function of (seed, offset), documented in the
// JSON under `content`, so the Rust test can rebuild it without storing it.

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

const MIB = 1 << 20
if (process.argv.length !== 3) {
  console.error('usage: node generate.mjs OUTPUT.json')
  process.exit(2)
}
const output = resolve(process.argv[2])
// dist/src/index.js -> the package folder
const importerDir = dirname(dirname(dirname(fileURLToPath(import.meta.resolve('ipfs-unixfs-importer')))))
const importerVersion = JSON.parse(readFileSync(join(importerDir, 'package.json'), 'utf8')).version

// The IPIP-499 profile, spelled out: `profile` sets the same values, the
// explicit options only make them visible (and keep them if a later importer
// version changed the profile's defaults).
const options = () => ({
  profile: 'unixfs-v1-2025',
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: MIB }),
  layout: balanced({ maxChildrenPerNode: 1024 })
})

const optionsForJson = {
  profile: 'unixfs-v1-2025',
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: 'fixedSize(1048576)',
  layout: 'balanced(maxChildrenPerNode = 1024)',
  wrapWithDirectory: 'true for directory vectors only',
  'implied by the profile': "shardSplitStrategy 'block-bytes', shardSplitThresholdBytes 262144, fieldOrder 'links-first', no mode, no mtime"
}

// byte(seed, i) = ((i * 0x9E3779B1 + seed * 0x85EBCA77) mod 2^32) >> 24, for 0 <= i < 2^32.
function fill (buf, seed, offset) {
  const base = Math.imul(seed, 0x85EBCA77)
  for (let j = 0; j < buf.length; j++) {
    buf[j] = ((Math.imul(offset + j, 0x9E3779B1) + base) >>> 0) >>> 24
  }
  return buf
}

// Content in pieces of an odd size so the importer's chunker has to re-cut them.
const PIECE = 999_983
function * seeded (seed, size) {
  for (let offset = 0; offset < size; offset += PIECE) {
    yield fill(new Uint8Array(Math.min(PIECE, size - offset)), seed, offset)
  }
}

function contentOf (spec) {
  if (spec.text !== undefined) return [new TextEncoder().encode(spec.text)]
  return seeded(spec.seed, spec.size)
}

function sizeOf (spec) {
  return spec.text !== undefined ? new TextEncoder().encode(spec.text).length : spec.size
}

// A blockstore that keeps only dag-pb blocks (small) and counts distinct CIDs,
// so a 1 GiB import runs in bounded memory.
function store () {
  const seen = new Set()
  const pb = new Map()
  return {
    seen,
    pb,
    async put (cid, bytes) {
      const key = cid.toString()
      seen.add(key)
      if (cid.code === 0x70) pb.set(key, bytes)
      return cid
    }
  }
}

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const ROOT_HEX_LIMIT = 4 * 1024

function rootBlockHex (bs, cid) {
  const block = bs.pb.get(cid.toString())
  return block !== undefined && block.length <= ROOT_HEX_LIMIT ? hex(block) : undefined
}

async function fileVector (spec) {
  const bs = store()
  const results = []
  for await (const entry of importer([{ content: contentOf(spec) }], bs, options())) results.push(entry)
  if (results.length !== 1) throw new Error(`expected one result for ${spec.name}, got ${results.length}`)
  const [root] = results
  return {
    ...spec,
    size: sizeOf(spec),
    cid: root.cid.toString(),
    tsize: Number(root.size),
    blocks: bs.seen.size,
    root_block_hex: rootBlockHex(bs, root.cid)
  }
}

async function directoryVector (name, entries) {
  const bs = store()
  const candidates = entries.map((e) => ({ path: e.name, content: contentOf(e) }))
  const results = []
  for await (const entry of importer(candidates, bs, { ...options(), wrapWithDirectory: true })) results.push(entry)
  const root = results[results.length - 1]
  if (root.path !== '' || root.unixfs?.type !== 'directory') throw new Error(`no root directory for ${name}`)
  const byPath = new Map(results.map((r) => [r.path, r]))
  return {
    name,
    cid: root.cid.toString(),
    tsize: Number(root.size),
    blocks: bs.seen.size,
    root_block_hex: rootBlockHex(bs, root.cid),
    entries: entries.map((e) => {
      const r = byPath.get(e.name)
      if (r === undefined) throw new Error(`no result for ${e.name}`)
      return { ...e, size: sizeOf(e), cid: r.cid.toString(), tsize: Number(r.size) }
    })
  }
}

const files = [
  { name: 'empty', seed: 0, size: 0 },
  { name: 'hello-world (IPIP-499 fixture)', text: 'hello world' },
  { name: 'one byte', seed: 1, size: 1 },
  { name: 'one chunk exactly (1 MiB)', seed: 2, size: MIB },
  { name: 'one chunk plus one byte', seed: 3, size: MIB + 1 },
  { name: '50 MB', seed: 4, size: 50_000_000 },
  { name: 'max links, one level (1024 MiB)', seed: 5, size: 1024 * MIB },
  { name: 'over max links, two levels (1025 MiB + 7 B)', seed: 6, size: 1025 * MIB + 7 }
]

// Input order is deliberately not sorted; names exercise byte-wise ordering
// (upper case, '_', a prefix pair, non-ASCII UTF-8) and one shared content.
const dirEntries = [
  { name: 'zeta.csv', seed: 11, size: 1000 },
  { name: 'big.bin', seed: 12, size: 3 * MIB + 5 },
  { name: 'Alpha.txt', text: 'hello world' },
  { name: 'empty', seed: 0, size: 0 },
  { name: 'a.jsonl', seed: 14, size: 20 },
  { name: 'also-empty', seed: 0, size: 0 },
  { name: 'é-accent.txt', seed: 15, size: 5 },
  { name: 'a.json', seed: 13, size: 10 },
  { name: '_under', seed: 16, size: 1 },
  { name: 'chunk.bin', seed: 17, size: MIB }
]

const started = Date.now()
const vectors = {
  profile: 'unixfs-v1-2025',
  generator: `scripts/unixfs-vectors/generate.mjs with ipfs-unixfs-importer ${importerVersion}`,
  importer_options: optionsForJson,
  content: {
    text: 'an entry with `text` holds exactly those UTF-8 bytes',
    seed: 'an entry with `seed` and `size` holds bytes b[i] = ((i * 0x9E3779B1 + seed * 0x85EBCA77) mod 2^32) >> 24 for 0 <= i < size (unsigned 32-bit arithmetic; every size here is below 2^32)'
  },
  fields: {
    cid: 'root CID as the importer returned it (base32 CIDv1)',
    size: 'content length in bytes',
    tsize: "the importer's `size` of the root: the block's own length plus the Tsize of every link (a raw leaf: its length); what a parent directory link records as Tsize",
    blocks: 'distinct blocks (CIDs) the importer wrote for this vector',
    root_block_hex: 'the dag-pb root block, when the root is dag-pb and at most 4 KiB'
  },
  files: [],
  directories: []
}

for (const spec of files) {
  const v = await fileVector(spec)
  vectors.files.push(v)
  console.log(`${v.cid}  tsize ${v.tsize}  blocks ${v.blocks}  ${v.name}`)
}
for (const [name, entries] of [['empty directory', []], ['epoch-like directory', dirEntries]]) {
  const v = await directoryVector(name, entries)
  vectors.directories.push(v)
  console.log(`${v.cid}  tsize ${v.tsize}  blocks ${v.blocks}  ${v.name}`)
  for (const e of v.entries) console.log(`  ${e.cid}  tsize ${e.tsize}  ${e.name}`)
}

writeFileSync(output, JSON.stringify(vectors, null, 2) + '\n')
console.log(`wrote ${output} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
