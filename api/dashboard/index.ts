// The dashboard: one HTML page, one plain ES module (no build step) and a stylesheet from ./static,
// plus uPlot's script and stylesheet from node_modules, all served by the API itself so the page
// works offline (no CDN). The page calls the public /v1 endpoints from the browser.
//
// Routes: `GET /` is the page (its query string, e.g. ?event=…&zone=…&granularity=daily, is read by
// the script); `GET /dashboard` and `/dashboard/` redirect to it; `GET /dashboard/<asset>` serves the
// fixed set of assets below (one route each, so request metrics get a finite set of route labels;
// any other path falls through to the API's 404). Assets are read once at mount, gzipped when that
// helps, carry a strong ETag and `Cache-Control: public, max-age=3600`; the page links them with
// `?v=<content hash>` so a new release is picked up at once, and is itself revalidated (no-cache).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../types.ts';

export const ASSET_MAX_AGE_SECONDS = 3600;

/** The page's Content-Security-Policy: everything from this origin only, no inline script or style. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  body: Uint8Array;
  gzip: Uint8Array | null;
  etag: string;
  cacheControl: string;
}

const require = createRequire(import.meta.url);
const staticFile = (name: string): Buffer => readFileSync(new URL(`./static/${name}`, import.meta.url));
const moduleFile = (specifier: string): Buffer => readFileSync(require.resolve(specifier));

const hash = (data: Uint8Array): string => createHash('sha256').update(data).digest('base64url').slice(0, 22);

function makeAsset(type: string, body: Uint8Array, cacheControl: string): Asset {
  const gz = gzipSync(body, { level: 9 });
  return { type, body, gzip: gz.length < body.length * 0.9 ? gz : null, etag: hash(body), cacheControl };
}

/** True when If-None-Match names this representation (`*`, weak or strong, any of a list). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function send(c: Context, a: Asset, extra: Record<string, string> = {}): Response {
  const gzip = a.gzip !== null && /\bgzip\b/i.test(c.req.header('Accept-Encoding') ?? '');
  // Strong ETags differ per representation, so the gzipped body has its own.
  const etag = gzip ? `"${a.etag}-gz"` : `"${a.etag}"`;
  const headers: Record<string, string> = {
    'Cache-Control': a.cacheControl,
    ETag: etag,
    Vary: 'Accept-Encoding',
    ...extra,
  };
  if (matches(c.req.header('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
  headers['Content-Type'] = a.type;
  if (gzip) headers['Content-Encoding'] = 'gzip';
  return new Response(gzip ? a.gzip : a.body, { status: 200, headers });
}

/** Loads the page and its assets (once) and registers their routes on the app. */
export function mountDashboard(app: OpenAPIHono<AppEnv>): void {
  const cache = `public, max-age=${ASSET_MAX_AGE_SECONDS}`;
  const assets: Record<string, Asset> = {
    'app.js': makeAsset('text/javascript; charset=utf-8', staticFile('app.js'), cache),
    'alerts.js': makeAsset('text/javascript; charset=utf-8', staticFile('alerts.js'), cache),
    'sources.js': makeAsset('text/javascript; charset=utf-8', staticFile('sources.js'), cache),
    'market.js': makeAsset('text/javascript; charset=utf-8', staticFile('market.js'), cache),
    'style.css': makeAsset('text/css; charset=utf-8', staticFile('style.css'), cache),
    'favicon.svg': makeAsset('image/svg+xml', staticFile('favicon.svg'), cache),
    'uPlot.iife.min.js': makeAsset('text/javascript; charset=utf-8', moduleFile('uplot/dist/uPlot.iife.min.js'), cache),
    'uPlot.min.css': makeAsset('text/css; charset=utf-8', moduleFile('uplot/dist/uPlot.min.css'), cache),
  };
  const version = hash(
    Buffer.from(
      Object.values(assets)
        .map((a) => a.etag)
        .join(':'),
    ),
  ).slice(0, 12);
  const html = staticFile('index.html').toString('utf8').replaceAll('{{v}}', version);
  const page = makeAsset('text/html; charset=utf-8', Buffer.from(html, 'utf8'), 'no-cache');

  app.get('/', (c) => send(c, page, { 'Content-Security-Policy': PAGE_CSP }));
  const toPage = (c: Context) => {
    const q = new URL(c.req.url).search;
    return c.redirect(`/${q}`, 302);
  };
  app.get('/dashboard', toPage);
  app.get('/dashboard/', toPage);
  for (const [name, a] of Object.entries(assets)) app.get(`/dashboard/${name}`, (c) => send(c, a));
}
