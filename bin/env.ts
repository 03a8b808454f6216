// Configuration sources for the CLI, folded into one environment before lib/config validates it:
// command-line flags > environment variables > an optional config file (JSON or YAML whose keys
// are the environment variable names, e.g. `TWS_API_PORT: 9000`). A name the flags or the file give
// must be a known setting: a typo is an error that lists the close matches, never ignored.
import { readFileSync } from 'node:fs';
import { distance } from 'fastest-levenshtein';
import { parse as parseYaml } from 'yaml';
import { STACK_SETTINGS } from '../deploy/stack/stack.mjs';
import { envSchema } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';

/** Every name a flag or the config file may set: lib/config.ts's settings and the local stack's. */
export const KNOWN_SETTINGS: ReadonlySet<string> = new Set([...Object.keys(envSchema.shape), ...STACK_SETTINGS]);

/** Known names within a few edits of `name` (case aside), closest first. */
export function closeSettings(name: string, known: Iterable<string> = KNOWN_SETTINGS): string[] {
  const wanted = name.toUpperCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  return [...known]
    .map((k) => ({ k, d: distance(wanted, k) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map(({ k }) => k);
}

function unknownSetting(where: string, name: string): ConfigError {
  const close = closeSettings(name);
  const hint = close.length
    ? `; did you mean ${close.join(' or ')}?`
    : ' (the settings are listed in docs/operations.md, and `tws config` shows their values)';
  return new ConfigError(`${where}: unknown setting ${name}${hint}`, name);
}

export function readConfigFile(path: string): Record<string, string> {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`, '--config');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`config file ${path} must be a mapping of variable names to values`, '--config');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!KNOWN_SETTINGS.has(k)) throw unknownSetting(`config file ${path}`, k);
    out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

export function mergedEnv(
  opts: { config?: string; set?: string[] },
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const file = opts.config ? readConfigFile(opts.config) : {};
  const flags: Record<string, string> = {};
  for (const pair of opts.set ?? []) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new ConfigError(`--set expects NAME=value, got "${pair}"`, '--set');
    const name = pair.slice(0, i);
    if (!KNOWN_SETTINGS.has(name)) throw unknownSetting('--set', name);
    flags[name] = pair.slice(i + 1);
  }
  return { ...file, ...env, ...flags };
}
