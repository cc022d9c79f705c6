import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStorageDefinition } from '../../src/services/file_storage/posix/definition.js';
import type { Adapter, SetupContext, TeardownContext } from '../../src/services/contract.js';
import type { LoadProfile, ServiceSpec } from '../../src/recipe/types.js';
import { createRng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { fieldsOf, serviceOf } from '../../src/services/fields.js';

const DEFAULT_MIX = { write: 0.4, read: 0.4, stat: 0.1, delete: 0.1 };
const LOAD: LoadProfile = {
  mode: 'closed',
  clients: 1,
  thinkTimeMs: 0,
  stages: [],
  warmup: { kind: 'none' },
  durationMs: 1000,
  requests: undefined,
};

function specOf(fields: Record<string, unknown>, mix: Record<string, number> = DEFAULT_MIX): ServiceSpec {
  return {
    name: 'files/ssd #1',
    type: 'file_storage',
    backend: 'posix',
    fields: { service_name: 'files/ssd #1', service_type: 'file_storage', ...fields },
    load: LOAD,
    mix: Object.entries(mix).map(([operation, weight]) => ({ operation, weight })),
    timeoutMs: 5000,
    seed: 7,
  };
}

function setupCtx(benchmarkId = 'bench-1', seed = 1): SetupContext {
  return { benchmarkId, rng: createRng(seed), log: createLogger('error', () => {}), signal: new AbortController().signal };
}

function teardownCtx(benchmarkId = 'bench-1', lines: string[] = []): TeardownContext {
  return { benchmarkId, log: createLogger('debug', (l) => lines.push(l)), failed: false };
}

async function adapterFor(fields: Record<string, unknown>, mix?: Record<string, number>): Promise<Adapter> {
  const mod = await fileStorageDefinition.load();
  return mod.createAdapter(serviceOf(fileStorageDefinition.fields, specOf(fields, mix)));
}

/** A scratch base directory for one test, removed afterwards whatever happens. */
async function withBase(body: (base: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'aifb-test-base-'));
  try {
    await body(base);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

async function ownDirs(base: string): Promise<string[]> {
  return (await readdir(base)).filter((n) => n.startsWith('aifb-bench'));
}

const signal = () => new AbortController().signal;

test('the definition loads its adapter module lazily and its default mix sums to 1', async () => {
  const mod = await fileStorageDefinition.load();
  assert.equal(typeof mod.createAdapter, 'function');
  assert.deepEqual([...fileStorageDefinition.operations], ['write', 'read', 'stat', 'delete', 'random_read', 'random_write']);
  const sum = Object.values(fileStorageDefinition.defaultMix).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9);
  assert.equal(fileStorageDefinition.isDefault, true);
});

test('check() rejects unknown sync modes, listing the allowed ones', () => {
  const problems = fileStorageDefinition.check!({ sync_mode: 'always' });
  assert.equal(problems.length, 1);
  assert.deepEqual(problems[0]!.path, ['sync_mode']);
  for (const mode of ['none', 'fsync', 'fdatasync', 'osync', 'dsync']) assert.match(problems[0]!.message, new RegExp(mode));
  for (const mode of ['none', 'fsync', 'FDATASYNC', 'osync', 'dsync', undefined]) {
    assert.deepEqual(fileStorageDefinition.check!({ sync_mode: mode }), []);
  }
});

test('check() demands 4096-byte multiples with use_direct_io, and refuses / and the home directory', () => {
  const direct = fileStorageDefinition.check!({ use_direct_io: true, file_sizes: { '1000': 0.5, '64KB': 0.5 } });
  assert.deepEqual(direct.map((p) => p.path), [['file_sizes', '1000']]);
  assert.match(direct[0]!.message, /multiple of 4096/);
  assert.deepEqual(fileStorageDefinition.check!({ use_direct_io: false, file_sizes: { '1000': 1 } }), []);
  assert.deepEqual(fileStorageDefinition.check!({ use_direct_io: true, file_sizes: { '4KB': 0.5, '1MB': 0.5 } }), []);
  assert.match(fileStorageDefinition.check!({ base_path: '/' })[0]!.message, /resolves to "\/"/);
  assert.match(fileStorageDefinition.check!({ base_path: homedir() })[0]!.message, /home directory/);
});

test('write, read, stat and delete work on real files and report byte counts', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, file_sizes: { '1KB': 0.5, '64KB': 0.5 }, initial_files: 0 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    assert.ok(dir, 'setup created its directory');
    assert.match(dir, /^aifb-bench-1-files_ssd_1-/);
    const rng = createRng(3);

    const sizes = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const op = adapter.prepare('write', rng);
      const r = await adapter.execute(op, signal());
      adapter.release?.(op, r);
      assert.equal(r.ok, true);
      assert.equal(r.bytesIn, 0);
      assert.ok(r.bytesOut === 1024 || r.bytesOut === 65536);
      sizes.add(r.bytesOut!);
    }
    assert.deepEqual([...sizes].sort((a, b) => a - b), [1024, 65536], 'both size classes are drawn');
    const onDisk = (await readdir(join(base, dir))).filter((n) => n.startsWith('f-'));
    assert.equal(onDisk.length, 20);

    const read = adapter.prepare('read', rng);
    const rr = await adapter.execute(read, signal());
    adapter.release?.(read, rr);
    assert.equal(rr.ok, true);
    assert.equal(rr.status, 'ok');
    assert.ok(rr.bytesIn === 1024 || rr.bytesIn === 65536);
    assert.equal(rr.bytesOut, 0);

    const st = adapter.prepare('stat', rng);
    const sr = await adapter.execute(st, signal());
    adapter.release?.(st, sr);
    assert.deepEqual([sr.ok, sr.bytesIn, sr.bytesOut], [true, 0, 0]);

    const del = adapter.prepare('delete', rng);
    const dr = await adapter.execute(del, signal());
    adapter.release?.(del, dr);
    assert.equal(dr.ok, true);
    assert.equal((await readdir(join(base, dir))).filter((n) => n.startsWith('f-')).length, 19);

    await adapter.teardown(teardownCtx());
    assert.deepEqual(await ownDirs(base), []);
  });
});

test('every sync mode writes files that read back whole', async () => {
  await withBase(async (base) => {
    for (const sync_mode of ['none', 'fsync', 'fdatasync', 'osync', 'dsync']) {
      const adapter = await adapterFor({ base_path: base, sync_mode, file_sizes: { '8KB': 1 }, initial_files: 2, verify_reads: true });
      await adapter.setup(setupCtx());
      const rng = createRng(5);
      const w = adapter.prepare('write', rng);
      assert.equal((await adapter.execute(w, signal())).bytesOut, 8192, sync_mode);
      const op = adapter.prepare('read', rng);
      const r = await adapter.execute(op, signal());
      adapter.release?.(op, r);
      assert.deepEqual([r.ok, r.bytesIn], [true, 8192], sync_mode);
      await adapter.teardown(teardownCtx());
    }
    assert.deepEqual(await ownDirs(base), []);
  });
});

test('setup refuses /, the home directory, a missing path and a file, creating nothing', async () => {
  const homeBefore = (await readdir(homedir()).catch(() => [] as string[])).filter((n) => n.startsWith('aifb-'));
  await assert.rejects((await adapterFor({ base_path: '/' })).setup(setupCtx()), /resolves to "\/"/);
  await assert.rejects((await adapterFor({ base_path: homedir() })).setup(setupCtx()), /home directory/);
  await assert.rejects((await adapterFor({ base_path: join(homedir(), '.') })).setup(setupCtx()), /home directory/);
  const homeAfter = (await readdir(homedir()).catch(() => [] as string[])).filter((n) => n.startsWith('aifb-'));
  assert.deepEqual(homeAfter, homeBefore);
  assert.equal((await readdir('/')).some((n) => n.startsWith('aifb-bench')), false);

  await withBase(async (base) => {
    await assert.rejects((await adapterFor({ base_path: join(base, 'nope') })).setup(setupCtx()), /does not exist/);
    await writeFile(join(base, 'plain-file'), 'x');
    await assert.rejects((await adapterFor({ base_path: join(base, 'plain-file') })).setup(setupCtx()), /not a directory/);
    assert.deepEqual(await ownDirs(base), []);
  });
});

test('teardown removes only its own directory; pre-existing neighbours survive', async () => {
  await withBase(async (base) => {
    await writeFile(join(base, 'keep.txt'), 'precious');
    await mkdir(join(base, 'keep-dir'));
    await writeFile(join(base, 'keep-dir', 'inner'), 'also precious');
    // Looks like ours but is not: no marker from this run.
    await mkdir(join(base, 'aifb-other-run-xyz'));

    const adapter = await adapterFor({ base_path: base, initial_files: 5 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    assert.ok(dir);
    const marker = JSON.parse(await readFile(join(base, dir, '.aifb-owner'), 'utf8')) as { benchmark_id: string };
    assert.equal(marker.benchmark_id, 'bench-1');
    assert.equal((await readdir(join(base, dir))).filter((n) => n.startsWith('f-')).length, 5);

    await adapter.teardown(teardownCtx());
    await adapter.teardown(teardownCtx()); // idempotent
    assert.deepEqual((await readdir(base)).sort(), ['aifb-other-run-xyz', 'keep-dir', 'keep.txt']);
    assert.equal(await readFile(join(base, 'keep.txt'), 'utf8'), 'precious');
    assert.equal(await readFile(join(base, 'keep-dir', 'inner'), 'utf8'), 'also precious');
  });
});

test('teardown leaves a directory whose ownership marker is gone, and says why', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, initial_files: 1 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    assert.ok(dir);
    await rm(join(base, dir, '.aifb-owner'));
    const lines: string[] = [];
    await adapter.teardown(teardownCtx('bench-1', lines));
    assert.ok((await stat(join(base, dir))).isDirectory(), 'directory without marker is kept');
    assert.ok(lines.some((l) => l.includes('[warn]') && l.includes('marker')), lines.join('\n'));
  });
});

test('a delete never targets a file that a prepared read or stat is using', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, file_sizes: { '2KB': 1 }, initial_files: 6 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    const rng = createRng(11);
    // Hold reads and stats open (prepared, not released) on some files.
    const users = Array.from({ length: 6 }, (_, i) => adapter.prepare(i % 2 ? 'read' : 'stat', rng));
    const busy = new Set(users.map((op) => (op as { entry: { name: string } }).entry.name));
    assert.ok(busy.size >= 2 && busy.size < 6, `busy files: ${busy.size}`);

    const deletes = Array.from({ length: 6 }, () => adapter.prepare('delete', rng));
    const targets = deletes.flatMap((op) => ((op as { kind: string }).kind === 'delete' ? [(op as { entry: { name: string } }).entry.name] : []));
    assert.equal(targets.length, 6 - busy.size, 'only free files are deleted');
    for (const t of targets) assert.equal(busy.has(t), false, `${t} is in use`);
    assert.equal(new Set(targets).size, targets.length, 'no file is deleted twice');

    const results = await Promise.all(deletes.map((op) => adapter.execute(op, signal())));
    const missing = results.filter((r) => !r.ok);
    assert.equal(missing.length, busy.size);
    for (const r of missing) assert.deepEqual([r.errorClass, r.status], ['not_found', 'not_found']);

    // The in-use files still exist and their operations succeed.
    const outcomes = await Promise.all(users.map((op) => adapter.execute(op, signal())));
    assert.ok(outcomes.every((r) => r.ok));
    users.forEach((op, i) => adapter.release?.(op, outcomes[i]));
    const left = (await readdir(join(base, dir!))).filter((n) => n.startsWith('f-')).sort();
    assert.deepEqual(left, [...busy].sort());

    // Released: now they can be deleted.
    const del = adapter.prepare('delete', rng);
    assert.ok(busy.has((del as { entry: { name: string } }).entry.name));
    assert.equal((await adapter.execute(del, signal())).ok, true);
    await adapter.teardown(teardownCtx());
  });
});

test('with no file to read, the operation fails as not_found instead of running a write', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, initial_files: 0 }, { read: 1 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    const r = await adapter.execute(adapter.prepare('read', createRng(1)), signal());
    assert.deepEqual([r.ok, r.errorClass], [false, 'not_found']);
    assert.match(r.message!, /initial_files/);
    assert.deepEqual((await readdir(join(base, dir!))).filter((n) => n.startsWith('f-')), []);
    await adapter.teardown(teardownCtx());
  });
});

test('initial files are written only when the mix needs targets', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, initial_files: 10 }, { write: 1 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    assert.deepEqual((await readdir(join(base, dir!))).filter((n) => n.startsWith('f-')), []);
    await adapter.teardown(teardownCtx());
  });
});

test('verify_reads reports a file whose content changed on disk', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, file_sizes: { '4KB': 1 }, initial_files: 1, verify_reads: true });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    const [file] = (await readdir(join(base, dir!))).filter((n) => n.startsWith('f-'));
    const good = adapter.prepare('read', createRng(1));
    const ok = await adapter.execute(good, signal());
    adapter.release?.(good, ok);
    assert.deepEqual([ok.ok, ok.bytesIn], [true, 4096]);

    await writeFile(join(base, dir!, file!), Buffer.alloc(4096, 7));
    const bad = adapter.prepare('read', createRng(1));
    const r = await adapter.execute(bad, signal());
    adapter.release?.(bad, r);
    assert.deepEqual([r.ok, r.errorClass, r.bytesIn], [false, 'io', 4096]);
    await adapter.teardown(teardownCtx());
  });
});

test('payloads are seeded: the same seed writes the same bytes', async () => {
  await withBase(async (base) => {
    const contents: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const adapter = await adapterFor({ base_path: base, file_sizes: { '3KB': 1 }, initial_files: 0 }, { write: 1 });
      await adapter.setup(setupCtx(`bench-seed${i}`, 99));
      const dir = (await readdir(base)).find((n) => n.startsWith(`aifb-bench-seed${i}`))!;
      await adapter.execute(adapter.prepare('write', createRng(1)), signal());
      const [file] = (await readdir(join(base, dir))).filter((n) => n.startsWith('f-'));
      contents.push(await readFile(join(base, dir, file!)));
      await adapter.teardown(teardownCtx(`bench-seed${i}`));
    }
    assert.equal(contents[0]!.length, 3072);
    assert.ok(contents[0]!.equals(contents[1]!));
    assert.ok(contents[0]!.some((b) => b !== 0), 'payload is random, not zeros');
  });
});

test('filesystem errors propagate with their code, and an aborted signal stops an operation', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({ base_path: base, initial_files: 1 }, { stat: 1 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    const [file] = (await readdir(join(base, dir!))).filter((n) => n.startsWith('f-'));
    await rm(join(base, dir!, file!));
    const op = adapter.prepare('stat', createRng(1));
    await assert.rejects(adapter.execute(op, signal()), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    adapter.release?.(op, undefined);

    const ac = new AbortController();
    ac.abort();
    await assert.rejects(adapter.execute(adapter.prepare('write', createRng(1)), ac.signal), { name: 'AbortError' });
    assert.deepEqual((await readdir(join(base, dir!))).filter((n) => n.startsWith('f-')), []);
    await adapter.teardown(teardownCtx());
  });
});

test('use_direct_io writes and reads through O_DIRECT, or setup fails clearly and leaves nothing', async () => {
  await withBase(async (base) => {
    const adapter = await adapterFor({
      base_path: base,
      use_direct_io: true,
      file_sizes: { '4KB': 0.5, '1MB': 0.5 },
      initial_files: 4,
      verify_reads: true,
    });
    let refused: Error | undefined;
    await adapter.setup(setupCtx()).catch((err: Error) => (refused = err));
    if (refused) {
      // Filesystems without O_DIRECT (tmpfs before Linux 6.6) must be refused with a clear message.
      assert.match(refused.message, /refuses O_DIRECT/);
      assert.deepEqual(await ownDirs(base), []);
      return;
    }
    const rng = createRng(2);
    for (let i = 0; i < 6; i++) {
      const w = adapter.prepare('write', rng);
      const wr = await adapter.execute(w, signal());
      assert.ok(wr.bytesOut === 4096 || wr.bytesOut === 1048576);
      const r = adapter.prepare('read', rng);
      const rr = await adapter.execute(r, signal());
      adapter.release?.(r, rr);
      assert.equal(rr.ok, true, rr.message);
      assert.ok(rr.bytesIn === 4096 || rr.bytesIn === 1048576);
    }
    await adapter.teardown(teardownCtx());
    assert.deepEqual(await ownDirs(base), []);
  });
});

test('random_read and random_write do block I/O at aligned offsets in one preallocated file (the fio job)', async () => {
  const { loadRecipeText } = await import('../../src/recipe/load.js');
  const { builtinRegistry } = await import('../../src/services/catalog.js');
  const { createLogger } = await import('../../src/util/log.js');
  const { createRng } = await import('../../src/util/rng.js');
  const { mkdtempSync, rmSync, statSync, readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const base = mkdtempSync(join(tmpdir(), 'aifb-test-base-blocks-'));
  try {
    const plan = loadRecipeText(`services:
  - service_name: blocks
    service_type: file_storage
    base_path: ${base}
    block_size: 4KB
    block_file_size: 1MB
    sync_mode: fdatasync
    operation_mix: {random_read: 0.5, random_write: 0.5}
`, 'r.yaml', { registry: builtinRegistry, env: {} });
    const spec = plan.services[0]!;
    const def = builtinRegistry.resolve('file_storage')!;
    const adapter = (await def.load()).createAdapter(serviceOf(def.fields, spec));
    const log = createLogger('error', () => {});
    await adapter.setup({ benchmarkId: 'b1', rng: createRng(1), log, signal: new AbortController().signal });
    const dir = join(base, readdirSync(base)[0]!);
    assert.equal(statSync(join(dir, 'blocks.dat')).size, 1024 * 1024, 'the file is preallocated to its size');
    const rng = createRng(2);
    const offsets = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const op = adapter.prepare(i % 2 ? 'random_read' : 'random_write', rng) as { offset: number };
      assert.equal(op.offset % 4096, 0);
      offsets.add(op.offset);
      const r = await adapter.execute(op, new AbortController().signal);
      adapter.release?.(op, r);
      assert.equal(r.ok, true);
      assert.equal((r.bytesIn ?? 0) + (r.bytesOut ?? 0), 4096);
    }
    assert.ok(offsets.size > 20, 'offsets are spread over the file');
    await adapter.teardown({ benchmarkId: 'b1', log, failed: false });
    assert.deepEqual(readdirSync(base), [], 'teardown removed the owned directory with the block file');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('io_engine psync: random_write lands on disk (fsync) and random_read reads it back, through blocking calls', async () => {
  const { openSync, readSync, closeSync } = await import('node:fs');
  await withBase(async (base) => {
    const fields = { base_path: base, block_size: '4KB', block_file_size: '64KB', sync_mode: 'fsync', io_engine: 'psync' };
    const adapter = await adapterFor(fields, { random_read: 0.5, random_write: 0.5 });
    await adapter.setup(setupCtx());
    const [dir] = await ownDirs(base);
    const rng = createRng(3);
    const w = adapter.prepare('random_write', rng) as { offset: number };
    w.offset = 8192;
    assert.deepEqual([(await adapter.execute(w, signal())).ok], [true]);
    const onDisk = Buffer.alloc(4096);
    const fd = openSync(join(base, dir!, 'blocks.dat'), 'r');
    readSync(fd, onDisk, 0, 4096, 8192);
    closeSync(fd);
    const r = adapter.prepare('random_read', rng) as { offset: number; buf: Buffer };
    r.offset = 8192;
    const res = await adapter.execute(r, signal());
    assert.deepEqual([res.ok, res.bytesIn], [true, 4096]);
    assert.ok(r.buf.equals(onDisk), 'the block read is the block written');
    adapter.release?.(r, res);
    await adapter.teardown(teardownCtx());
    assert.deepEqual(await readdir(base), []);
  });
});

test('check() lets io_engine psync run only one closed-loop client per generator thread', () => {
  const check = fileStorageDefinition.check!;
  assert.deepEqual(check({ io_engine: 'psync', load: { clients: 4 }, generators: 4 }), []);
  assert.deepEqual(check({ io_engine: 'psync' }), [], 'one client by default');
  assert.deepEqual(check({ io_engine: 'libuv', load: { clients: 8 } }), []);
  const many = check({ io_engine: 'psync', load: { clients: 4 } });
  assert.deepEqual(many.map((p) => p.path), [['io_engine']]);
  assert.match(many[0]!.message, /4 client\(s\) on 1 thread\(s\)\); set generators: 4/);
  assert.match(check({ io_engine: 'psync', load: { rate: 100 } })[0]!.message, /closed loop/);
});

test('io_engine auto (the default) is psync only on a generator thread with one closed-loop client, libuv anywhere else', async () => {
  const { engineFor } = await import('../../src/services/file_storage/posix/options.js');
  const closedLoad = (clients: number): LoadProfile => ({ mode: 'closed', clients, thinkTimeMs: 0, stages: [], warmup: { kind: 'none' }, durationMs: 1000, requests: undefined });
  const open = { ...closedLoad(1), mode: 'open', rate: 10, stages: [], arrival: 'constant', burstiness: 1, maxInFlight: 1 } as unknown as LoadProfile;
  assert.equal(engineFor('auto', closedLoad(1), 4), 'psync', 'generator k of 4, one client');
  assert.equal(engineFor('auto', closedLoad(2), 2), 'libuv', 'two clients share the thread');
  assert.equal(engineFor('auto', closedLoad(1), undefined), 'libuv', 'the main thread may carry other services');
  assert.equal(engineFor('auto', open, 4), 'libuv', 'an open loop');
  assert.equal(engineFor('libuv', closedLoad(1), 4), 'libuv', 'what the recipe says wins');
  assert.equal(engineFor('psync', closedLoad(1), undefined), 'psync');
  const f = fieldsOf(fileStorageDefinition.fields, { sync_mode: 'fsync' });
  assert.equal(engineFor(f.io_engine, undefined, f.generator_count), 'libuv', 'default without a load');
});
