// The pool and the client are imported from their own modules, not from the `pg` entry point: that one builds a
// pool class when loaded, which fails where `import` is an active condition for `require` (e.g. under vitest).

declare module 'pg-pool' {
  import type { Client, Pool, PoolConfig } from 'pg';

  /** The connection pool of the `pg` project, given the client class to pool. */
  const PgPool: new (config: PoolConfig, client: typeof Client) => Pool;
  export default PgPool;
}

declare module 'pg/lib/client.js' {
  import type { Client } from 'pg';

  /** The `pg` client class. */
  const PgClient: typeof Client;
  export default PgClient;
}
