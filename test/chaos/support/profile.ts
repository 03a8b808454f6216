// The two profiles of the chaos suite. `full` (the default of `npm run test:chaos`, and what CI
// runs: about 20 minutes on 2 cores) runs every scenario at the size the issue asks for; `short`
// (TWS_CHAOS_PROFILE=short, for a quick local check) keeps every scenario and every check but
// shortens the outages, the soak and the number of kills, so that it fits in 5 minutes.

export type ProfileName = 'short' | 'full';

export interface Profile {
  name: ProfileName;
  brokerRestart: {
    /** Snapshots per second produced while the broker goes down and comes back. */
    perSecond: number;
    /** Production before the broker is stopped, and after it is back. */
    beforeMs: number;
    afterMs: number;
    /** One restart per entry: how long the broker stays down (between stopped and started again). */
    downMs: number[];
  };
  killLoop: { kills: number; perSecond: number; maxKillDelayMs: number };
  storeOutage: { outageMs: number; snapshots: number };
  sourceOutage: { phaseMs: number };
  soak: { durationMs: number; events: number; intervalSeconds: number };
  fuzz: { runsPerTopic: number; parserRuns: number; apiRuns: number };
}

const PROFILES: Record<ProfileName, Profile> = {
  full: {
    name: 'full',
    brokerRestart: { perSecond: 30, beforeMs: 8_000, afterMs: 10_000, downMs: [5_000, 30_000] },
    killLoop: { kills: 20, perSecond: 15, maxKillDelayMs: 4_000 },
    storeOutage: { outageMs: 30_000, snapshots: 900 },
    sourceOutage: { phaseMs: 60_000 },
    soak: { durationMs: 600_000, events: 20, intervalSeconds: 1 },
    fuzz: { runsPerTopic: 12, parserRuns: 10_000, apiRuns: 400 },
  },
  short: {
    name: 'short',
    brokerRestart: { perSecond: 30, beforeMs: 4_000, afterMs: 4_000, downMs: [5_000] },
    killLoop: { kills: 6, perSecond: 15, maxKillDelayMs: 3_000 },
    storeOutage: { outageMs: 5_000, snapshots: 400 },
    // A job in the slow outage takes 5 s or more (three 500 ms timeouts and their backoff) and the
    // next starts 2 s later: 12 s held one whole job at best, and sometimes none.
    sourceOutage: { phaseMs: 20_000 },
    soak: { durationMs: 60_000, events: 20, intervalSeconds: 1 },
    fuzz: { runsPerTopic: 3, parserRuns: 2_000, apiRuns: 100 },
  },
};

export function profileName(env: NodeJS.ProcessEnv = process.env): ProfileName {
  const raw = env.TWS_CHAOS_PROFILE ?? 'full';
  if (raw !== 'short' && raw !== 'full') throw new Error(`TWS_CHAOS_PROFILE must be "short" or "full", got "${raw}"`);
  return raw;
}

export const profile: Profile = PROFILES[profileName()];
