// The lifecycle consumer's handler (its own consumer group over the snapshot topic). Its views cost
// more per listing than all the snapshot metrics together, so they run in their own insert, at
// their own pace, instead of inside the metrics consumer's (lib/clickhouse/migrations/0072).
//
// Each range's records land in `lifecycle_landing` (views.ts diffs them in ClickHouse); the listing
// changes written are then read back and published before the ledger says `after`. Copies of a
// snapshot within the range are dropped here (the landing insert matches each record's offset by
// snapshot id); a copy of a snapshot judged by an earlier range is left out by the views
// themselves, which read lifecycle_snapshots within the insert.
import type { Store } from '../../lib/clickhouse/store.ts';
import { TABLES } from '../../lib/clickhouse/tables.ts';
import type { Config } from '../../lib/config.ts';
import type { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import type { AvroCodec } from '../../lib/registry/codec.ts';
import type { BatchHandler, Prepared, SourceRecord } from '../runner/batch-runner.ts';
import type { SnapshotRecord } from '../snapshots/header.ts';
import { decodeSnapshot, firstCopies, landingWrite } from '../snapshots/records.ts';
import { publishListingChanges } from './publish.ts';

export interface LifecycleHandlerDeps {
  config: Config;
  store: Store;
  codec: AvroCodec;
  producer: AvroProducer;
}

export class LifecycleHandler implements BatchHandler<SnapshotRecord> {
  private readonly registryUrl: string;

  constructor(private readonly deps: LifecycleHandlerDeps) {
    this.registryUrl = registryUrlForClickHouse(deps.config);
  }

  decode(value: Buffer | null, topic: string): Promise<SnapshotRecord> {
    return decodeSnapshot(this.deps.codec, value, topic);
  }

  async prepare(records: SourceRecord<SnapshotRecord>[]): Promise<Prepared<SnapshotRecord>> {
    const { config, store, codec, producer } = this.deps;
    return {
      encoded: await landingWrite(
        { config, store, codec, registryUrl: this.registryUrl },
        TABLES.lifecycleLanding,
        records,
        firstCopies(records, new Map()),
      ),
      publish: async (written) => {
        await publishListingChanges(
          store,
          producer,
          written.map((r) => r.value.header),
        );
      },
    };
  }
}
