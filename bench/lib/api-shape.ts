// The API benchmark's data shape and request sequence, shared by the api phase and the orchestrator.

export const ENDPOINTS = ['price-trend', 'inventory-trend', 'candles'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export interface ApiDataShape {
  events: number;
  zones: number;
  hours: number;
  /** The last `recentHours` come from zone_snapshots rows (one scrape per zone and hour) via the views. */
  recentHours: number;
  /** Requested range: [from, to), hourly. */
  from: number;
  to: number;
}

export const apiEventId = (e: number): string => `bench-api-evt-${e}`;
export const apiZone = (z: number): string => `Zone ${z}`;

/** The i-th request's (event, zone): the same sequence for autocannon and for the floor. */
export const pick = (i: number, shape: ApiDataShape): { event: string; zone: string } => ({
  event: apiEventId((i * 7) % shape.events),
  zone: apiZone((i * 3 + Math.floor(i / shape.events)) % shape.zones),
});
