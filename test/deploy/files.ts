// Readers for the deployment files, shared by the deploy tests and the server-mode suite's container
// specs: YAML as Compose reads it (merge keys, the !override tag of override files, the effective
// model of several files), and a minimal XML reader for the ClickHouse config files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, parseAllDocuments, visit, type Document, type Tags } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEPLOY = join(ROOT, 'deploy');
export const COMPOSE_DIR = join(DEPLOY, 'compose');

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** Compose's own tag of override files: a map that replaces the base file's instead of merging. */
const REPLACE = '__replace';
const composeTags: Tags = [{ tag: '!override', collection: 'map', resolve: (m) => m }];

function markReplacements(doc: Document): void {
  visit(doc, {
    Map(_key, node) {
      if (node.tag === '!override' && isMap(node) && !node.has(REPLACE)) node.set(REPLACE, true);
    },
  });
}

/** Every document of a YAML file, with merge keys (`<<: *anchor`) resolved as compose does. */
export function loadYaml(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true, customTags: composeTags });
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${relative(ROOT, file)}: ${d.errors.map((e) => e.message).join('; ')}`);
    markReplacements(d as Document);
    return d.toJS({ maxAliasCount: 1000 }) as Doc;
  });
}

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compose's merge of an override onto a base value: maps merge, !override replaces, lists append. */
function mergeValue(base: unknown, over: unknown): unknown {
  if (isObject(over) && over[REPLACE]) {
    const { [REPLACE]: _, ...rest } = over;
    return rest;
  }
  if (isObject(base) && isObject(over)) {
    const out: Doc = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValue(base[k], v) : mergeValue(undefined, v);
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  return over;
}

/** The effective Compose model of several files (`docker compose -f a -f b`), services merged. */
export function composeModel(...files: string[]): Doc {
  return files.map((f) => loadYaml(f)[0]!).reduce((acc, doc) => mergeValue(acc, doc) as Doc, {} as Doc);
}

/** Services that `docker compose up` starts with these profiles active. */
export function activeServices(model: Doc, profiles: string[] = []): Record<string, Doc> {
  return Object.fromEntries(
    Object.entries(model.services as Record<string, Doc>).filter(
      ([, s]) => !s.profiles || (s.profiles as string[]).some((p) => profiles.includes(p)),
    ),
  );
}

// ---- a minimal XML reader for the ClickHouse config files (elements, attributes, text) ----------

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export function parseXml(xml: string): XmlNode {
  const src = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:-]+\s*=\s*"[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (const m of src.matchAll(tag)) {
    const [, closing, name, attrText, selfClosing, text] = m;
    const top = stack.at(-1)!;
    if (text !== undefined) {
      top.text += text.trim();
      continue;
    }
    if (closing) {
      if (top.name !== name) throw new Error(`XML: </${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    const node: XmlNode = { name: name!, attrs, children: [], text: '' };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`XML: <${stack.at(-1)!.name}> is not closed`);
  return root;
}

export const child = (n: XmlNode | undefined, name: string): XmlNode | undefined =>
  n?.children.find((c) => c.name === name);
export const children = (n: XmlNode | undefined, name: string): XmlNode[] =>
  n?.children.filter((c) => c.name === name) ?? [];
export const xmlPath = (n: XmlNode | undefined, ...names: string[]): XmlNode | undefined =>
  names.reduce<XmlNode | undefined>((at, name) => child(at, name), n);

/** Policy name -> its volume names -> their disk names, from a <clickhouse> config. */
export function storagePolicies(xml: string): Map<string, Map<string, string[]>> {
  const policies = xmlPath(parseXml(xml), 'clickhouse', 'storage_configuration', 'policies');
  const out = new Map<string, Map<string, string[]>>();
  for (const p of policies?.children ?? []) {
    const volumes = new Map<string, string[]>();
    for (const v of child(p, 'volumes')?.children ?? [])
      volumes.set(
        v.name,
        v.children.filter((c) => c.name === 'disk').map((c) => c.text),
      );
    out.set(p.name, volumes);
  }
  return out;
}
