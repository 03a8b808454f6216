// A second local stack for tests that need one configured unlike the shared stack (other ports,
// secure listeners): its own free ports and its own folder, so that the shared stack on 9092/8081
// is never touched. The caller stops it in afterAll with stopPrivateStack (also after a failure).
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown } from '../../deploy/stack/stack.mjs';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The stack settings (environment variables of deploy/stack/stack.mjs) of a private stack. */
export async function privateStackEnv(opts: { secure?: boolean } = {}): Promise<Record<string, string>> {
  return {
    TWS_STACK_DIR: mkdtempSync(join(tmpdir(), 'tws-private-stack-')),
    TWS_KAFKA_PORT: String(await freePort()),
    TWS_KAFKA_CONTROLLER_PORT: String(await freePort()),
    TWS_REGISTRY_PORT: String(await freePort()),
    TWS_REGISTRY_MANAGEMENT_PORT: String(await freePort()),
    // Two JVMs beside the shared stack's on a small machine.
    TWS_KAFKA_HEAP: '384m',
    TWS_REGISTRY_HEAP: '256m',
    ...(opts.secure && {
      TWS_KAFKA_SASL_SSL_PORT: String(await freePort()),
      TWS_KAFKA_SSL_PORT: String(await freePort()),
    }),
  };
}

/** Stops whatever runs from that stack's folder (by its pid files; nothing else). */
export async function stopPrivateStack(
  env: Record<string, string> | undefined,
  log = (_: string) => {},
): Promise<void> {
  if (env) await stackDown({ env: { ...process.env, ...env }, log });
}
