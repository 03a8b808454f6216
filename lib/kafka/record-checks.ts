// The record-level checks every consumer loop makes around decoding (the exactly-once runner and
// the control-topic consumer alike): too big is poison before decoding, and any error of a
// validator (a TypeError on a strange value too) makes the record poison, not the batch stuck.
import { PoisonRecordError, errorMessage } from '../errors.ts';

/** Same bound as the topics' max.message.bytes (client.ts) and TWS_MAX_RECORD_BYTES' default. */
export const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;

export function checkRecordSize(value: Buffer | null, maxBytes = DEFAULT_MAX_RECORD_BYTES): void {
  if (value && value.length > maxBytes)
    throw new PoisonRecordError(`record of ${value.length} bytes exceeds the ${maxBytes}-byte limit`, 'oversized');
}

export function validateOrPoison(validate: () => void): void {
  try {
    validate();
  } catch (err) {
    if (err instanceof PoisonRecordError) throw err;
    throw new PoisonRecordError(`invalid record: ${errorMessage(err)}`, 'invalid', err);
  }
}
