// The marketplaces tws-analytics reads, in one list. Everything else that names a source reads this
// list: the settings (lib/sources/settings.ts), the catalog, the API's enum and OpenAPI, the CLI help
// and the dashboard's picker (through GET /v1/sources). A source's code is one folder,
// producers/sources/<adapter>/, whose index.ts exports `createListingSource` (bin/sources.ts loads
// it by that name), so adding a marketplace is that folder plus one line here.

/** The base URL of an entry served by the bundled simulated marketplace (`tws sim`, `tws up`). */
export const SIMULATOR = 'simulator';

export interface SourceEntry {
  /** Recorded on events, snapshots and rows; lower-case letters, digits and '-'. */
  readonly name: string;
  /** How people call it (dashboard, CLI, API). */
  readonly label: string;
  /** The folder producers/sources/<adapter>/ that speaks its API. */
  readonly adapter: string;
  /** Where requests go unless TWS_SOURCES__<NAME>__BASE_URL says otherwise. */
  readonly baseUrl: string;
  /** What the marketplace's event id is, for help texts. */
  readonly eventId: string;
}

export const SOURCES = [
  {
    name: 'vividseats',
    label: 'Vivid Seats',
    adapter: 'vividseats',
    baseUrl: 'https://www.vividseats.com',
    eventId: 'productionId, e.g. 5123456',
  },
  {
    name: 'gametime',
    label: 'Gametime',
    adapter: 'gametime',
    baseUrl: 'https://mobile.gametime.co',
    eventId: 'event_id, e.g. 66b0c3e2f1a4d5b6c7d8e9f0',
  },
  {
    name: 'simulated',
    label: 'Simulated (Vivid Seats API)',
    adapter: 'vividseats',
    baseUrl: SIMULATOR,
    eventId: 'a simulated productionId, e.g. 5000001',
  },
  {
    name: 'simulated-gametime',
    label: 'Simulated (Gametime API)',
    adapter: 'gametime',
    baseUrl: SIMULATOR,
    eventId: 'a simulated Gametime event_id (GET /__sim/productions)',
  },
] as const satisfies readonly SourceEntry[];

export type SourceName = (typeof SOURCES)[number]['name'];

export const SOURCE_NAMES = SOURCES.map((s) => s.name) as [SourceName, ...SourceName[]];

export const isSourceName = (v: unknown): v is SourceName => SOURCE_NAMES.includes(v as SourceName);

export const sourceEntry = (name: string): SourceEntry | undefined => SOURCES.find((s) => s.name === name);

/** "vividseats, gametime, simulated or simulated-gametime", for help texts and messages. */
export const sourceNameList = (): string =>
  `${SOURCE_NAMES.slice(0, -1).join(', ')} or ${SOURCE_NAMES[SOURCE_NAMES.length - 1]}`;
