// Heartbeats while a batch is in hand. kafkajs heartbeats between fetches and when the handler asks,
// so a long batch (a queue of rate-limited scrapes, a write retried while ClickHouse is down) would
// outlive a short session timeout and cost a rebalance. A heartbeat that fails because a rebalance
// is in progress is ignored here: the handler learns of it through isStale()/isRunning().
import { HEARTBEAT_INTERVAL_MS } from './native.ts';

export async function withHeartbeats<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
