// Who owns which partitions in a consumer group, as the broker sees it (for tests and operators):
// kafkajs's describeGroups leaves each member's assignment as the raw protocol bytes.
import { AssignerProtocol } from 'kafkajs';
import type { Kafka } from './client.ts';

export interface GroupAssignment {
  /** The broker's state of the group: Stable once a rebalance has finished. */
  state: string;
  members: Array<{ memberId: string; clientId: string; partitions: Record<string, number[]> }>;
}

export async function describeGroupAssignment(kafka: Kafka, groupId: string): Promise<GroupAssignment> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    return {
      state: group?.state ?? 'Dead',
      members: (group?.members ?? []).map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        partitions:
          m.memberAssignment.length > 0
            ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})
            : {},
      })),
    };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
