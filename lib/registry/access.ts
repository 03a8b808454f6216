// How this process reaches the schema registry: HTTP basic auth (SCHEMA_REGISTRY_USERNAME and
// SCHEMA_REGISTRY_PASSWORD) and a private CA (SCHEMA_REGISTRY_CA_FILE), for both HTTP clients in
// use: the registry library (a node https.Agent and its `auth`) and the codec's own requests
// (undici's fetch, which takes the CA through a dispatcher). A refused credential or an untrusted
// certificate becomes an AccessError that names the setting; the registry is not retried for it.
import { Agent as HttpsAgent } from 'node:https';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import type { Config } from '../config.ts';
import { AccessError, errorMessage } from '../errors.ts';
import { readPem, tlsFailure } from '../tls.ts';

export type RegistryAccess = Pick<Config['registry'], 'url' | 'auth' | 'caFile'>;

/** What @kafkajs/confluent-schema-registry's constructor takes besides its retry policy. */
export function registryClientArgs(access: RegistryAccess): {
  host: string;
  auth?: { username: string; password: string };
  agent?: HttpsAgent;
} {
  return {
    host: access.url,
    ...(access.auth && { auth: access.auth }),
    ...(access.caFile && {
      agent: new HttpsAgent({ keepAlive: true, ca: readPem(access.caFile, 'SCHEMA_REGISTRY_CA_FILE') }),
    }),
  };
}

export type RegistryFetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A fetch for the registry's own endpoints with the credentials and the CA applied. HTTP 401 and
 * 403 and TLS failures throw an AccessError; other answers are returned as they are.
 */
export function registryFetch(access: RegistryAccess): RegistryFetch {
  const authorization = access.auth && basicAuth(access.auth);
  const dispatcher = access.caFile
    ? new UndiciAgent({ connect: { ca: readPem(access.caFile, 'SCHEMA_REGISTRY_CA_FILE') } })
    : undefined;
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (authorization) headers.set('authorization', authorization);
    let res: Response;
    try {
      res = dispatcher
        ? ((await undiciFetch(url, {
            ...(init as object),
            headers: Object.fromEntries(headers.entries()),
            dispatcher,
          })) as unknown as Response)
        : await fetch(url, { ...init, headers });
    } catch (err) {
      throw registryAccessError(err, access) ?? err;
    }
    if (res.status === 401 || res.status === 403) throw refused(res.status, access);
    return res;
  };
}

const basicAuth = ({ username, password }: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

function refused(status: number, access: RegistryAccess): AccessError {
  return new AccessError(
    access.auth
      ? `the schema registry at ${access.url} refused user "${access.auth.username}" (HTTP ${status}): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE)`
      : `the schema registry at ${access.url} requires credentials (HTTP ${status}): set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD`,
    'auth',
    ['SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD'],
  );
}

/** An AccessError for an error of either client (HTTP 401/403, a TLS failure); undefined otherwise. */
export function registryAccessError(err: unknown, access: RegistryAccess): AccessError | undefined {
  if (err instanceof AccessError) return err;
  const status = (err as { status?: number })?.status;
  if (status === 401 || status === 403) return refused(status, access);
  const failure = tlsFailure(err);
  if (failure === 'untrusted')
    return new AccessError(
      `the schema registry's certificate at ${access.url} did not verify (${errorMessage(err)}): check SCHEMA_REGISTRY_CA_FILE${access.caFile ? '' : ' (unset: the system trust store)'}`,
      'tls',
      ['SCHEMA_REGISTRY_CA_FILE', 'SCHEMA_REGISTRY_URL'],
      err,
    );
  if (failure === 'not-tls')
    return new AccessError(
      `the schema registry at ${access.url} does not speak TLS (${errorMessage(err)}): check SCHEMA_REGISTRY_URL`,
      'tls',
      ['SCHEMA_REGISTRY_URL'],
      err,
    );
  return undefined;
}
