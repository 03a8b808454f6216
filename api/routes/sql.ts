// POST /v1/sql: analysts' ad-hoc read-only SQL (api/queries/adhoc.ts). Needs an API key. Errors in
// the analyst's SQL are 400 with ClickHouse's message; writes, settings overrides and functions that
// leave the database are 403.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { toCsv } from '../format/csv.ts';
import { runAdhocSql } from '../queries/adhoc.ts';
import { SqlBody, SqlResultSchema } from '../schemas/ops.ts';
import type { AppEnv, RouteDeps } from '../types.ts';
import { COMMON_ERRORS, E403, E413 } from './common.ts';

export function sqlRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/sql',
      tags: ['analysts'],
      summary: 'Run one read-only SQL statement',
      description: `Runs with readonly=1 and the limits max_execution_time=${deps.config.sql.maxExecutionSeconds}s, max_result_rows=${deps.config.sql.maxResultRows} (overflow throws), max_memory_usage=${deps.config.sql.maxMemoryBytes} bytes. 64-bit integers come back as JSON numbers.`,
      middleware: [deps.auth.write],
      security: deps.security.write,
      request: { body: { required: true, content: { 'application/json': { schema: SqlBody } } } },
      responses: {
        200: {
          description: 'The rows (JSON), or CSV with a header row when format is csv',
          content: { 'application/json': { schema: SqlResultSchema }, 'text/csv': { schema: { type: 'string' } } },
        },
        ...COMMON_ERRORS,
        ...E403,
        ...E413,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await runAdhocSql(deps.store, body.sql, deps.config.sql);
      c.header('Cache-Control', 'no-store');
      if (body.format === 'csv') {
        c.header('Content-Type', 'text/csv; charset=utf-8');
        return c.body(toCsv(result.columns, result.rows), 200);
      }
      return c.json(
        { sql: result.sql, columns: result.columns, rows: result.rows, row_count: result.rows.length },
        200,
      );
    },
  );
  return app;
}
