// Configuration sources for the CLI, folded into one environment before lib/config validates it:
// command-line flags > environment variables > an optional config file (JSON or YAML whose keys
// are the environment variable names, e.g. `TWS_API_PORT: 9000`).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { envSchema } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';

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
  const known = new Set(Object.keys(envSchema.shape));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!known.has(k)) throw new ConfigError(`config file ${path}: unknown setting ${k}`, k);
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
    flags[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return { ...file, ...env, ...flags };
}
