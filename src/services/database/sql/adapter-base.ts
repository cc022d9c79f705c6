import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { sqlFields } from './fields.js';
import type { Rng } from '../../../util/rng.js';
import { RunError } from '../../../errors.js';
import { runOp, type SqlOp, type SqlSession } from './execute.js';
import { scrub } from './errors.js';
import { loadRows, type LoadPhase } from './load.js';
import { SQL_MSG } from './messages.js';
import { queryParamsOf, type ParamSpec } from './params.js';
import { ownedTableName, quoteIdent, statementsFor, type Statements } from './statements.js';
import { SqlWorkload, makePayloads } from './workload.js';

/** How one SQL backend connects: the only part that differs between postgres and pglite. */
export interface SqlDriver {
  /** Opens the connection(s); throws one clear error (auth, refused, unknown database). */
  open(ctx: SetupContext): Promise<SqlSession>;
  /** Connections the initial load may use at once. */
  readonly loadConcurrency: number;
  /** The password, so that no message can carry it. */
  readonly secret: string | undefined;
  close(failed: boolean): Promise<void>;
}

/**
 * The SQL workload on a table the run owns: created and loaded in setup, dropped in
 * teardown (only if this run created it). No other table is ever read or written.
 */
export class SqlAdapter implements Adapter<SqlOp> {
  /** Name of the table this run owns, once setup has chosen it. */
  table: string | undefined;
  /** The initial load as measured (rows/s); undefined until setup has loaded. */
  loadPhase: LoadPhase | undefined;
  private readonly queryParams: Map<string, ParamSpec[]>;
  private session: SqlSession | undefined;
  private statements: Statements | undefined;
  private workload: SqlWorkload | undefined;
  private created = false;

  constructor(
    private readonly spec: ServiceOf<typeof sqlFields>,
    private readonly driver: SqlDriver,
  ) {
    this.queryParams = queryParamsOf(spec.fields.queries);
  }

  async setup(ctx: SetupContext): Promise<void> {
    const session = await this.driver.open(ctx);
    this.session = session;
    // Generators of one service (generators: N) run at once: each owns a table of its own.
    const f = this.spec.fields;
    const k = f.generator_index;
    const table = ownedTableName(this.spec.name, k !== undefined ? `${ctx.benchmarkId}_g${k}` : ctx.benchmarkId, f.table_name || undefined);
    this.table = table;
    const s = statementsFor(table);
    this.statements = s;
    try {
      await session.exec(s.create);
    } catch (err) {
      if ((err as { code?: unknown }).code === '42P07') throw new RunError(SQL_MSG.tableExists(quoteIdent(table)));
      throw this.scrubbed(err);
    }
    this.created = true;
    const payloads = makePayloads(f.row_size, ctx.rng.fork('payloads'));
    const rows = f.initial_rows;
    try {
      this.loadPhase = await loadRows(session, s.insertMany, rows, payloads, this.driver.loadConcurrency, ctx.signal);
      await session.exec(s.analyze);
    } catch (err) {
      const why = scrub(err instanceof Error ? err.message : String(err), this.driver.secret);
      throw new RunError(SQL_MSG.loadFailed(quoteIdent(table), why), { cause: err });
    }
    const lp = this.loadPhase;
    ctx.log.info(
      `load phase: ${rows} rows of ${f.row_size} B into ${quoteIdent(table)} in ${lp.seconds.toFixed(2)} s ` +
        `(${Math.round(lp.rowsPerSecond)} rows/s)`,
    );
    this.workload = new SqlWorkload(f, this.queryParams, s, table, payloads);
  }

  prepare(operation: string, rng: Rng): SqlOp {
    if (!this.workload) throw new Error('postgresql: prepare called before setup');
    return this.workload.prepare(operation, rng);
  }

  /** node-postgres and PGlite cannot cancel a query: the engine settles on abort, and the driver's own timeout frees the connection. */
  execute(op: SqlOp): Promise<OperationResult> {
    if (!this.session) throw new Error('postgresql: execute called before setup');
    return runOp(this.session, op, this.driver.secret);
  }

  release(op: SqlOp, result: OperationResult | undefined): void {
    this.workload?.release(op, result);
  }

  async teardown(ctx: TeardownContext): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session && this.created && this.statements) {
      try {
        await session.exec(this.statements.drop);
        ctx.log.debug(`dropped ${quoteIdent(this.table!)}`);
        this.created = false;
      } catch (err) {
        const why = scrub(err instanceof Error ? err.message : String(err), this.driver.secret);
        ctx.log.warn(`could not drop ${quoteIdent(this.table!)} (${why}); drop it by hand once the server is back`);
      }
    }
    await this.driver.close(ctx.failed);
  }

  private scrubbed(err: unknown): unknown {
    if (err instanceof Error) err.message = scrub(err.message, this.driver.secret);
    return err;
  }
}
