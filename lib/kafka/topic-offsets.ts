// Two admin capabilities that reading a compacted topic "as a table" needs (the alerter's rules, the
// CLI's view of them): where each partition ends now, and removing a consumer group that was only
// a reader's bookmark.
import { BrokerUnavailableError, errorMessage } from '../errors.ts';
import type { Kafka } from './client.ts';

/** Partition → the offset one past its last record (0 and `low === high` when empty). */
export async function topicEndOffsets(
  kafka: Kafka,
  topic: string,
): Promise<Map<number, { low: bigint; high: bigint }>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
  } catch (err) {
    throw new BrokerUnavailableError(`could not read the end offsets of ${topic}: ${errorMessage(err)}`, err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Deletes an (empty) consumer group; a group that is gone or still has members is left alone. */
export async function deleteConsumerGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // Best effort: an empty group without offsets expires on the broker by itself.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
