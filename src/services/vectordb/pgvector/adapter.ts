import type { Adapter } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import { RunError } from '../../../errors.js';
import { peakConcurrency } from '../../shared/concurrency.js';
import { vectorAdapter, type VectorAdapter } from '../common/adapter.js';
import type { EngineCall, Fetched, OpenContext, Searched, VectorBatch, VectorEngine } from '../common/engine.js';
import type { Distance, SearchParams, pgvectorFields } from '../common/fields.js';
import { POSTGRES_NAMES, ownedName } from '../common/naming.js';
import { ensureVector, openPglite, openPostgres, type PgConn } from './connect.js';

/** Operator and operator class per distance: `<->` L2, `<=>` cosine, `<#>` negative inner product. */
const OPS: Record<Distance, { op: string; opclass: string }> = {
  l2: { op: '<->', opclass: 'vector_l2_ops' },
  cosine: { op: '<=>', opclass: 'vector_cosine_ops' },
  ip: { op: '<#>', opclass: 'vector_ip_ops' },
};

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** pgvector's text form; a float32 printed as the shortest double reads back exactly. */
const literal = (v: Float32Array) => `[${Array.prototype.join.call(v, ',')}]`;

/** pgvector on a table the run owns: (id bigint primary key, tag int, embedding vector(d)). */
class PgvectorEngine implements VectorEngine {
  readonly paramsScope = 'request';
  private conn: PgConn | undefined;
  private table = '';
  private d = 0;
  private ops = OPS.l2;
  version = '';

  constructor(private readonly spec: ServiceOf<typeof pgvectorFields>) {}

  async open(ctx: OpenContext): Promise<string> {
    const f = this.spec.fields;
    const server = f.driver === 'postgres' || (f.driver === undefined && (f.host !== undefined || f.service_url !== undefined));
    this.conn = server ? await openPostgres(f, peakConcurrency(this.spec.load), this.spec.timeoutMs) : await openPglite(f.data_dir);
    this.version = await ensureVector(this.conn);
    this.d = ctx.d;
    this.ops = OPS[ctx.distance];
    this.table = ownedName(ctx.serviceName, ctx.benchmarkId, f.table_name ?? f.collection_name, POSTGRES_NAMES);
    try {
      await this.conn.exec(`CREATE TABLE ${quote(this.table)} (id bigint PRIMARY KEY, tag int NOT NULL, embedding vector(${ctx.d}) NOT NULL)`);
    } catch (err) {
      if ((err as { code?: unknown }).code === '42P07') throw new RunError(`pgvector: table ${quote(this.table)} already exists; aifb creates its own and will not reuse it`);
      throw err;
    }
    ctx.log.debug(`pgvector ${this.version} on ${this.conn.describe}, table ${this.table}`);
    return this.table;
  }

  async insert(b: VectorBatch): Promise<EngineCall> {
    const texts = b.ids.map((_, i) => literal(b.vectors.subarray(i * this.d, (i + 1) * this.d)));
    await this.need().query(
      `INSERT INTO ${quote(this.table)} (id, tag, embedding) SELECT id, tag, v::vector FROM unnest($1::bigint[], $2::int[], $3::text[]) AS u(id, tag, v)`,
      [b.ids, b.tags, texts],
    );
    return { bytesOut: texts.reduce((a, t) => a + t.length, 0) };
  }

  /** The index is built after the bulk load, as pgvector recommends (faster than maintaining it row by row). */
  async build(): Promise<EngineCall> {
    const f = this.spec.fields;
    const t = quote(this.table);
    if (f.index === 'hnsw') {
      const w = [f.max_neighbors !== undefined ? `m = ${f.max_neighbors}` : '', f.ef_construction !== undefined ? `ef_construction = ${f.ef_construction}` : ''].filter(Boolean);
      await this.need().exec(`CREATE INDEX ON ${t} USING hnsw (embedding ${this.ops.opclass})${w.length ? ` WITH (${w.join(', ')})` : ''}`);
    } else if (f.index === 'ivfflat') {
      // pgvector's advice: rows / 1000 lists up to 1M rows.
      const lists = f.lists ?? Math.max(1, Math.round((await this.count()) / 1000));
      await this.need().exec(`CREATE INDEX ON ${t} USING ivfflat (embedding ${this.ops.opclass}) WITH (lists = ${lists})`);
    }
    await this.need().exec(`ANALYZE ${t}`);
    return {};
  }

  async search(query: Float32Array, k: number, opts: { params?: SearchParams; below?: number }): Promise<Searched> {
    const f = this.spec.fields;
    const ef = opts.params?.ef_search ?? f.ef_search;
    const probes = opts.params?.nprobe ?? f.nprobe;
    const settings: [string, number][] = [];
    if (f.index === 'hnsw' && ef !== undefined) settings.push(['hnsw.ef_search', ef]);
    if (f.index === 'ivfflat' && probes !== undefined) settings.push(['ivfflat.probes', probes]);
    const where = opts.below !== undefined ? 'WHERE tag < $3 ' : '';
    const values: unknown[] = [literal(query), k, ...(opts.below !== undefined ? [opts.below] : [])];
    const rows = await this.need().querySet(settings, `SELECT id FROM ${quote(this.table)} ${where}ORDER BY embedding ${this.ops.op} $1::vector LIMIT $2`, values);
    return { ids: rows.map((r) => Number(r[0])), bytesOut: String(values[0]).length };
  }

  async get(id: number): Promise<Fetched> {
    const rows = await this.need().query(`SELECT embedding::text FROM ${quote(this.table)} WHERE id = $1`, [id]);
    const text = rows[0]?.[0];
    return { vector: typeof text === 'string' ? Float32Array.from(text.slice(1, -1).split(','), Number) : undefined, ...(typeof text === 'string' ? { bytesIn: text.length } : {}) };
  }

  async update(b: VectorBatch): Promise<EngineCall> {
    const text = literal(b.vectors.subarray(0, this.d));
    const rows = await this.need().query(`UPDATE ${quote(this.table)} SET embedding = $2::vector, tag = $3 WHERE id = $1 RETURNING id`, [b.ids[0], text, b.tags[0]]);
    if (rows.length === 0) throw new RunError(`pgvector: row ${b.ids[0]} to update is missing`);
    return { bytesOut: text.length };
  }

  async delete(ids: number[]): Promise<EngineCall> {
    await this.need().query(`DELETE FROM ${quote(this.table)} WHERE id = ANY($1::bigint[])`, [ids]);
    return {};
  }

  async drop(): Promise<void> {
    if (this.conn && this.table) await this.conn.exec(`DROP TABLE IF EXISTS ${quote(this.table)}`);
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    await c?.close();
  }

  private async count(): Promise<number> {
    return Number((await this.need().query(`SELECT count(*) FROM ${quote(this.table)}`))[0]?.[0] ?? 0);
  }

  private need(): PgConn {
    if (!this.conn) throw new Error('pgvector: used before setup or after teardown');
    return this.conn;
  }
}

/** The pgvector adapter for one service; `loadPhase` holds the load's figures after setup (build = CREATE INDEX). */
export function createAdapter(spec: ServiceOf<typeof pgvectorFields>): Adapter & VectorAdapter {
  return vectorAdapter(spec, new PgvectorEngine(spec));
}
