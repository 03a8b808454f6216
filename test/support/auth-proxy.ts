// A minimal authenticating reverse proxy in front of the shared schema registry: HTTP basic auth,
// over TLS or not. Apicurio 3.3 authenticates only through an OIDC provider (its basic auth too
// exchanges the credentials for a token there), which cannot run here; this stands in for the
// registry behind basic auth that operators put in front of it (or Confluent's own basic auth).
import {
  createServer as createHttpServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface AuthProxy {
  url: string;
  /** Each request as `METHOD path user:password` (what arrived, decoded; `-` without credentials). */
  seen: string[];
  close(): Promise<void>;
}

export async function startAuthProxy(opts: {
  upstream: string;
  username: string;
  password: string;
  tls?: { key: Buffer; cert: Buffer };
}): Promise<AuthProxy> {
  const upstream = new URL(opts.upstream);
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const seen: string[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization;
    const user = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '-';
    seen.push(`${req.method} ${req.url} ${user}`);
    if (auth !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' });
      res.end();
      return;
    }
    const { authorization: _dropped, ...headers } = req.headers;
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  };
  const server: Server = opts.tls ? createHttpsServer(opts.tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${upstream.pathname}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
