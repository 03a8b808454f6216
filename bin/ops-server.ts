// A small HTTP endpoint for the roles that have no API of their own (scheduler, worker, consumers):
// Prometheus metrics at /metrics and liveness at /healthz, on TWS_METRICS_PORT when it is set.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../lib/metrics.ts';
import type { Handle } from './roles.ts';

export async function startOpsServer(port: number, host = '0.0.0.0'): Promise<Handle & { port: number }> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.url === '/metrics') {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
    } else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND"}}');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return {
    name: 'ops-server',
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
