// Whether the Kafka cluster answers, for readiness probes: one admin client, connected on first use
// (not at start, so a role can start while Kafka is down) and reconnected by kafkajs after an
// outage; at most one connect in flight, however often the probe is asked.
import { native, type Kafka } from './native.ts';

export interface ClusterProbe {
  /** True when the cluster returns metadata with at least one broker; false on any error. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export function clusterProbe(kafka: Kafka): ClusterProbe {
  const admin = native(kafka).admin();
  let connecting: Promise<void> | undefined;
  return {
    async ready() {
      try {
        connecting ??= admin.connect().catch((err: unknown) => {
          connecting = undefined;
          throw err;
        });
        await connecting;
        return (await admin.describeCluster()).brokers.length > 0;
      } catch {
        return false;
      }
    },
    close: () => admin.disconnect().catch(() => {}),
  };
}
