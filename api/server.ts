// Serves the app on config.api.host:port with @hono/node-server. Returns a closer that stops
// accepting connections and waits for the open ones.
import { serve, type ServerType } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiConfig, AppEnv } from './types.ts';

export interface RunningApi {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export function startApi(app: OpenAPIHono<AppEnv>, config: Pick<ApiConfig, 'host' | 'port'>): Promise<RunningApi> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    const server: ServerType = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
      server.off('error', onError);
      resolve({
        port: info.port,
        close: () => new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done()))),
      });
    });
    server.once('error', onError);
  });
}
