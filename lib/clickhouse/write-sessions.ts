// The write side of the store. Embedded, each chDB session runs one statement at a time (later ones
// queue behind it, whatever they are), so writes that should run side by side need sessions of
// their own: the metrics consumer's partitions (TWS_INGEST_LANES) each insert while the others
// decode, look up and publish. A write takes the session with the fewest writes in flight. Over
// HTTP one client already runs requests side by side: a server store has a single entry.
//
// Every insert states all its settings (store.ts insertSettings), so it does not matter which
// session ran which write before.
import type { ClickHouseClient } from '@clickhouse/client';

export class WriteSessions {
  private readonly sessions: Array<{ client: ClickHouseClient; inFlight: number }>;

  constructor(clients: readonly ClickHouseClient[]) {
    if (clients.length === 0) throw new Error('WriteSessions needs at least one client');
    this.sessions = clients.map((client) => ({ client, inFlight: 0 }));
  }

  /** The first session: DDL and other commands, which need no company. */
  get primary(): ClickHouseClient {
    return this.sessions[0]!.client;
  }

  get all(): ClickHouseClient[] {
    return this.sessions.map((s) => s.client);
  }

  /** Runs `write` on the least busy session. */
  async run<R>(write: (client: ClickHouseClient) => Promise<R>): Promise<R> {
    const s = this.sessions.reduce((best, next) => (next.inFlight < best.inFlight ? next : best));
    s.inFlight++;
    try {
      return await write(s.client);
    } finally {
      s.inFlight--;
    }
  }
}
