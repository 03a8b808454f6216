// The admin capabilities the project uses, in its own types: where partitions end and begin, the
// offsets at a time, a group's committed offsets (read, set, reset), who is in a group, topic
// configuration, and removing a group that was only a reader's bookmark.
import { AssignerProtocol } from 'kafkajs';
import { BrokerUnavailableError, errorMessage } from '../errors.ts';
import { withAdmin, type Kafka } from './native.ts';

/** Partition → its first and one-past-last offsets (`low === high` when empty). */
export async function topicEndOffsets(
  kafka: Kafka,
  topic: string,
): Promise<Map<number, { low: bigint; high: bigint }>> {
  try {
    const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
  } catch (err) {
    throw new BrokerUnavailableError(`could not read the end offsets of ${topic}: ${errorMessage(err)}`, err);
  }
}

/** Partition → the first offset whose record time is at or after `ms`; null when there is none yet. */
export async function offsetsAtTime(kafka: Kafka, topic: string, ms: number): Promise<Map<number, bigint | null>> {
  const found = await withAdmin(kafka, (admin) => admin.fetchTopicOffsetsByTimestamp(topic, ms));
  return new Map(found.map((p) => [p.partition, BigInt(p.offset) >= 0n ? BigInt(p.offset) : null]));
}

/** Partition → the group's committed offset on `topic` (the next record it reads); null when unset. */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint | null>> {
  const [t] = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset) >= 0n ? BigInt(p.offset) : null]));
}

/** Moves a group's committed offsets on `topic`. Kafka refuses while the group has members. */
export async function setCommittedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  offsets: ReadonlyMap<number, bigint>,
): Promise<void> {
  await withAdmin(kafka, (admin) =>
    admin.setOffsets({
      groupId,
      topic,
      partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
    }),
  );
}

/** Points a group back at the start of every partition of `topic`: everything is delivered again. */
export async function rewindGroup(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  await withAdmin(kafka, (admin) => admin.resetOffsets({ groupId, topic, earliest: true }));
}

export interface GroupAssignment {
  /** The broker's state of the group: Stable once a rebalance has finished, Dead or Empty without members. */
  state: string;
  members: Array<{ memberId: string; clientId: string; partitions: Record<string, number[]> }>;
}

/** Who owns which partitions in a consumer group, as the broker sees it. */
export async function describeGroupAssignment(kafka: Kafka, groupId: string): Promise<GroupAssignment> {
  const [group] = (await withAdmin(kafka, (admin) => admin.describeGroups([groupId]))).groups;
  return {
    state: group?.state ?? 'Dead',
    members: (group?.members ?? []).map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      // kafkajs leaves each member's assignment as the raw protocol bytes.
      partitions:
        m.memberAssignment.length > 0
          ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})
          : {},
    })),
  };
}

/** A topic's partition count and the configuration entries asked for. */
export async function describeTopic(
  kafka: Kafka,
  topic: string,
  configNames: string[],
): Promise<{ partitions: number; config: Record<string, string | undefined> }> {
  return withAdmin(kafka, async (admin) => {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames }],
    });
    const entries = res.resources[0]?.configEntries ?? [];
    return {
      partitions: md.topics[0]?.partitions.length ?? 0,
      config: Object.fromEntries(configNames.map((n) => [n, entries.find((e) => e.configName === n)?.configValue])),
    };
  });
}

/** Deletes an (empty) consumer group; a group that is gone or still has members is left alone. */
export async function deleteConsumerGroup(kafka: Kafka, groupId: string): Promise<void> {
  // Best effort: an empty group without offsets expires on the broker by itself.
  await withAdmin(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => {});
}
