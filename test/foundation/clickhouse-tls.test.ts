// ClickHouse over https:// with a private CA (CLICKHOUSE_CA_FILE) and a client certificate
// (CLICKHOUSE_CERT_FILE, CLICKHOUSE_KEY_FILE), from the settings to the store's HTTP requests. No
// ClickHouse server can run here (chDB serves no HTTP), so a small node:https server stands in for
// one: it answers the few requests the store makes with ClickHouse's own wire format (JSONEachRow,
// `Code: N. DB::Exception` errors) and records the headers and the client certificate it got.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTlsMaterial } from '../../deploy/stack/tls.mjs';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { loadConfig } from '../../lib/config.ts';
import { AccessError } from '../../lib/errors.ts';

interface Seen {
  query: string;
  user?: string;
  key?: string;
  certAuth?: string;
  clientCertCN?: string;
}

let tls: ReturnType<typeof ensureTlsMaterial>;
const servers: Server[] = [];

/** A stand-in ClickHouse on https://127.0.0.1:<port>; `mutual`: it requires a client certificate. */
async function fakeClickHouse(opts: { mutual?: boolean; password: string }): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(
    {
      key: readFileSync(tls.serverKeyPem),
      cert: readFileSync(tls.serverCertPem),
      ...(opts.mutual && { ca: readFileSync(tls.caPem), requestCert: true, rejectUnauthorized: true }),
    },
    (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://x');
        const query = url.searchParams.get('query') ?? body;
        const cert = (req.socket as TLSSocket).getPeerCertificate?.();
        seen.push({
          query,
          user: req.headers['x-clickhouse-user'] as string | undefined,
          key: req.headers['x-clickhouse-key'] as string | undefined,
          certAuth: req.headers['x-clickhouse-ssl-certificate-auth'] as string | undefined,
          clientCertCN: cert?.subject?.CN as string | undefined,
        });
        if (url.pathname === '/ping') return res.end('Ok.\n');
        // Certificate auth ignores the password, as ClickHouse does for such users.
        if (!req.headers['x-clickhouse-ssl-certificate-auth'] && req.headers['x-clickhouse-key'] !== opts.password) {
          res.writeHead(401, { 'x-clickhouse-exception-code': '516' });
          return res.end(
            'Code: 516. DB::Exception: tws: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 25.8.1.1)\n',
          );
        }
        res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-format': 'JSONEachRow' });
        res.end(/^\s*SELECT/i.test(query) ? '{"answer":42}\n' : '');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

beforeAll(() => {
  tls = ensureTlsMaterial(join(mkdtempSync(join(tmpdir(), 'tws-ch-tls-')), 'tls'));
}, 120_000);

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const serverConfig = (url: string, extra: Record<string, string>) => {
  const cfg = loadConfig({ CLICKHOUSE_URL: url, CLICKHOUSE_USER: 'tws', CLICKHOUSE_PASSWORD: 'ch-secret', ...extra });
  if (cfg.clickhouse.mode !== 'server') throw new Error('expected server mode');
  return cfg.clickhouse;
};

async function storeError(cfg: ReturnType<typeof serverConfig>): Promise<AccessError> {
  const err = await createStore(cfg).then(
    async (s: Store) => (await s.close(), new Error('createStore succeeded')),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccessError);
  expect((err as AccessError).retriable).toBe(false);
  return err as AccessError;
}

describe('ClickHouse over TLS (a stand-in https server)', () => {
  it('trusts the server through CLICKHOUSE_CA_FILE and sends the user and password', async () => {
    const ch = await fakeClickHouse({ password: 'ch-secret' });
    const store = await createStore(serverConfig(ch.url, { CLICKHOUSE_CA_FILE: tls.caPem }));
    try {
      expect(await store.query<{ answer: number }>('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
      expect(await store.ping()).toBe(true);
    } finally {
      await store.close();
    }
    expect(ch.seen.some((s) => /CREATE DATABASE IF NOT EXISTS tws/.test(s.query))).toBe(true);
    expect(
      ch.seen.filter((s) => s.query.startsWith('SELECT')).every((s) => s.user === 'tws' && s.key === 'ch-secret'),
    ).toBe(true);
  });

  it('authenticates with a client certificate (mTLS) from CLICKHOUSE_CERT_FILE and _KEY_FILE', async () => {
    const ch = await fakeClickHouse({ mutual: true, password: 'unused' });
    const store = await createStore(
      serverConfig(ch.url, {
        CLICKHOUSE_CA_FILE: tls.caPem,
        CLICKHOUSE_CERT_FILE: tls.clientCertPem,
        CLICKHOUSE_KEY_FILE: tls.clientKeyPem,
      }),
    );
    try {
      expect(await store.query('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      await store.close();
    }
    expect(ch.seen.every((s) => s.clientCertCN === 'tws-client' && s.certAuth === 'on')).toBe(true);
  });

  it('a server certificate from an untrusted CA names CLICKHOUSE_CA_FILE', async () => {
    const ch = await fakeClickHouse({ password: 'ch-secret' });
    const err = await storeError(serverConfig(ch.url, {}));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('CLICKHOUSE_CA_FILE');
    expect(ch.seen).toHaveLength(0);
  });

  it('a server that wants a client certificate names CLICKHOUSE_CERT_FILE when none is given', async () => {
    const ch = await fakeClickHouse({ mutual: true, password: 'ch-secret' });
    const err = await storeError(serverConfig(ch.url, { CLICKHOUSE_CA_FILE: tls.caPem }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('CLICKHOUSE_CERT_FILE');
  });

  it('a refused login names CLICKHOUSE_PASSWORD and does not show it', async () => {
    const ch = await fakeClickHouse({ password: 'the-right-one' });
    const err = await storeError(serverConfig(ch.url, { CLICKHOUSE_CA_FILE: tls.caPem }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('CLICKHOUSE_PASSWORD');
    expect(err.message).not.toContain('ch-secret');
  });
});
