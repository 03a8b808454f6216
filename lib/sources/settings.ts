// Per-source settings: TWS_SOURCES__<NAME>__<SETTING> for every source of the registry, so each
// marketplace has its own base URL and its own politeness. The global TWS_RATE_LIMIT_PER_MINUTE and
// TWS_REQUEST_TIMEOUT_MS are the defaults. The single-source settings of old (TWS_SOURCE,
// TWS_SOURCE_BASE_URL, TWS_SOURCE_PATH) still work for the source TWS_SOURCE names, with a warning.
import { z } from 'zod';
import { SIMULATOR, SOURCES, type SourceName } from './registry.ts';

export const SOURCE_SETTINGS = ['BASE_URL', 'PATH', 'RATE_LIMIT_PER_MINUTE', 'REQUEST_TIMEOUT_MS'] as const;
export type SourceSettingName = (typeof SOURCE_SETTINGS)[number];

/** TWS_SOURCES__SIMULATED_GAMETIME__BASE_URL: the variable of one setting of one source. */
export const sourceVariable = (source: string, setting: SourceSettingName): string =>
  `TWS_SOURCES__${source.toUpperCase().replace(/[^A-Z0-9]/g, '_')}__${setting}`;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const SETTING_TYPES: Record<SourceSettingName, z.ZodType> = {
  BASE_URL: z.string().url().optional(),
  PATH: z.string().startsWith('/').optional(),
  RATE_LIMIT_PER_MINUTE: int(1, 100_000).optional(),
  REQUEST_TIMEOUT_MS: int(100, 600_000).optional(),
};

/** The zod shape of every per-source variable, for lib/config.ts's schema. */
export function sourceSettingsShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const s of SOURCES) for (const k of SOURCE_SETTINGS) shape[sourceVariable(s.name, k)] = SETTING_TYPES[k];
  return shape;
}

/** One source's resolved settings. */
export interface SourceSettings {
  baseUrl: string;
  /** The base URL is the registry's default, the bundled simulator (`tws up` may move it). */
  onSimulator: boolean;
  /** The listings path on the host; undefined: the adapter's own. */
  path?: string;
  ratePerMinute: number;
  timeoutMs: number;
}

export interface SettingWarning {
  setting: string;
  message: string;
}

/** The parsed values these rules read (global defaults, deprecated settings, per-source variables). */
export interface SourceInput {
  TWS_SOURCE?: SourceName;
  TWS_SOURCE_BASE_URL?: string;
  TWS_SOURCE_PATH?: string;
  TWS_RATE_LIMIT_PER_MINUTE: number;
  TWS_REQUEST_TIMEOUT_MS: number;
  TWS_SIM_PORT: number;
  [variable: string]: unknown;
}

/** The source the deprecated TWS_SOURCE_BASE_URL / TWS_SOURCE_PATH apply to. */
const legacyTarget = (e: SourceInput): SourceName => e.TWS_SOURCE ?? 'simulated';

/** Two settings that say different things about one source: start-up stops and names both. */
export function sourceSettingConflicts(e: SourceInput): SettingWarning[] {
  const target = legacyTarget(e);
  const out: SettingWarning[] = [];
  for (const [old, key] of [
    ['TWS_SOURCE_BASE_URL', 'BASE_URL'],
    ['TWS_SOURCE_PATH', 'PATH'],
  ] as const) {
    const now = sourceVariable(target, key);
    if (e[old] !== undefined && e[now] !== undefined && e[old] !== e[now])
      out.push({ setting: old, message: `${old} contradicts ${now} (both set the ${key} of ${target}): unset ${old}` });
  }
  return out;
}

/**
 * Every source's settings, and a warning for each setting that is deprecated or has no effect.
 * `given`: the variables the user set (a default is not a choice worth a warning).
 */
export function resolveSourceSettings(
  e: SourceInput,
  given: ReadonlySet<string>,
): {
  sources: Record<SourceName, SourceSettings>;
  warnings: SettingWarning[];
} {
  const target = legacyTarget(e);
  const get = <T>(name: SourceName, key: SourceSettingName) => e[sourceVariable(name, key)] as T | undefined;
  const sources = {} as Record<SourceName, SourceSettings>;
  for (const s of SOURCES) {
    const legacy = s.name === target;
    const given = get<string>(s.name, 'BASE_URL') ?? (legacy ? e.TWS_SOURCE_BASE_URL : undefined);
    const onSimulator = given === undefined && s.baseUrl === SIMULATOR;
    const path = get<string>(s.name, 'PATH') ?? (legacy ? e.TWS_SOURCE_PATH : undefined);
    sources[s.name] = {
      baseUrl: given ?? (onSimulator ? `http://127.0.0.1:${e.TWS_SIM_PORT}` : s.baseUrl),
      onSimulator,
      ...(path !== undefined && { path }),
      ratePerMinute: get<number>(s.name, 'RATE_LIMIT_PER_MINUTE') ?? e.TWS_RATE_LIMIT_PER_MINUTE,
      timeoutMs: get<number>(s.name, 'REQUEST_TIMEOUT_MS') ?? e.TWS_REQUEST_TIMEOUT_MS,
    };
  }

  const warnings: SettingWarning[] = [];
  for (const [old, key] of [
    ['TWS_SOURCE_BASE_URL', 'BASE_URL'],
    ['TWS_SOURCE_PATH', 'PATH'],
  ] as const)
    if (e[old] !== undefined)
      warnings.push({
        setting: old,
        message: `${old} is deprecated: it sets the ${key} of ${target} only (TWS_SOURCE); use ${sourceVariable(target, key)}`,
      });
  if (e.TWS_SOURCE !== undefined && e.TWS_SOURCE_BASE_URL === undefined && e.TWS_SOURCE_PATH === undefined)
    warnings.push({
      setting: 'TWS_SOURCE',
      message:
        'TWS_SOURCE has no effect: each event names its own sources, and TWS_SOURCE only picks what the deprecated TWS_SOURCE_BASE_URL / TWS_SOURCE_PATH apply to',
    });
  // A default that every source overrides changes nothing.
  for (const [global, key] of [
    ['TWS_RATE_LIMIT_PER_MINUTE', 'RATE_LIMIT_PER_MINUTE'],
    ['TWS_REQUEST_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS'],
  ] as const)
    if (given.has(global) && SOURCES.every((s) => get(s.name, key) !== undefined))
      warnings.push({
        setting: global,
        message: `${global} has no effect: every source sets its own (${sourceVariable('<name>', key)})`,
      });
  return { sources, warnings };
}
