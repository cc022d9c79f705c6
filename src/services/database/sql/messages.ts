/** User-facing messages of the SQL backends (postgres, pglite). They never carry a password. */
export const SQL_MSG = {
  badQueryName: 'query names use letters, digits and _ and start with a letter or _ (they become operation names)',
  reservedQueryName: (name: string) => `"${name}" is a built-in operation; give the query another name`,
  paramCount: (name: string, wanted: number, given: number) =>
    `query "${name}" uses ${wanted} placeholder(s) ($1..$${wanted}) but lists ${given} param(s); give one per placeholder`,
  needsRows: (ops: string[]) => `initial_rows is 0, but ${ops.join(', ')} need(s) rows to work on; raise initial_rows`,
  tpcbRows: (min: number) =>
    `tpcb keeps pgbench's layout (1 branch and 10 tellers per 100,000 rows, then the accounts): initial_rows must be at least ${min}`,
  rowTooBig: 'row_size above 64MB is not supported (one row is one payload)',
  thetaWithUniform: 'zipf_theta only applies with key_distribution: zipfian',
  tableExists: (table: string) =>
    `table ${table} already exists; aifb only works in a table it creates, and leaves this one untouched ` +
    '(use another table_name, or drop it yourself if it is left from an earlier run)',
  authFailed: (where: string, user: string) =>
    `PostgreSQL at ${where} refused user "${user}": authentication failed (check user and password)`,
  refused: (where: string) => `cannot connect to PostgreSQL at ${where}: connection refused (is the server running and listening there?)`,
  hostNotFound: (where: string) => `cannot connect to PostgreSQL at ${where}: host not found`,
  timedOut: (where: string) => `cannot connect to PostgreSQL at ${where}: no answer before the timeout`,
  unknownDatabase: (where: string, db: string) => `database "${db}" does not exist on PostgreSQL at ${where}`,
  cannotConnect: (where: string, why: string) => `cannot connect to PostgreSQL at ${where}: ${why}`,
  noKey: (operation: string) =>
    `no row available for ${operation} (every loaded row was deleted); raise initial_rows or lower the share of delete`,
  loadFailed: (table: string, why: string) => `loading the initial rows into ${table} failed: ${why}`,
} as const;
