// The walls between rooms hold in lint and in types: kafkajs only in lib/kafka (and its handle is
// opaque outside it), chDB and @clickhouse/client only in lib/clickhouse. Linting sample sources
// at paths in each room shows the rules bite where they should and nowhere else.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import { testConfig } from '../helpers/env.ts';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restricted(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import walls (eslint no-restricted-imports)', () => {
  it.each([
    [
      'consumers/x.ts',
      "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n",
      /Only lib\/kafka\/ may import kafkajs/,
    ],
    [
      'api/x.ts',
      "import type { Producer } from 'kafkajs';\nexport type P = Producer;\n",
      /Only lib\/kafka\/ may import kafkajs/,
    ],
    ['lib/clickhouse/x.ts', "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n", /Only lib\/kafka\//],
    ['lib/registry/x.ts', "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n", /Only lib\/kafka\//],
    [
      'consumers/x.ts',
      "import { native } from '../lib/kafka/native.ts';\nexport const n = native;\n",
      /Only lib\/kafka\/ may use lib\/kafka\/native.ts/,
    ],
    [
      'test/x.test.ts',
      "import { createConsumer } from '../lib/kafka/native.ts';\nexport const c = createConsumer;\n",
      /Only lib\/kafka\/ may use/,
    ],
    [
      'api/x.ts',
      "import { createClient } from '@clickhouse/client';\nexport const c = createClient;\n",
      /Only lib\/clickhouse\//,
    ],
    [
      'producers/x.ts',
      "import { Session } from 'chdb';\nexport const s = Session;\n",
      /Only lib\/clickhouse\/ may import chdb/,
    ],
  ])('%s: %s is refused', async (path, source, message) => {
    const messages = await restricted(path, source);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it.each([
    [
      'lib/kafka/x.ts',
      "import { Kafka } from 'kafkajs';\nimport { native } from './native.ts';\nexport const k = [Kafka, native];\n",
    ],
    ['lib/clickhouse/x.ts', "import { createClient } from '@clickhouse/client';\nexport const c = createClient;\n"],
    ['consumers/x.ts', "import { sendRaw } from '../lib/kafka/raw.ts';\nexport const s = sendRaw;\n"],
  ])('%s: allowed', async (path, source) => {
    expect(await restricted(path, source)).toEqual([]);
  });
});

describe('the Kafka handle is opaque outside lib/kafka', () => {
  it('offers no kafkajs method, in types or at run time', () => {
    const kafka = createKafka(testConfig().kafka, silentLogger);
    // The @ts-expect-error lines fail `npm run typecheck` if the handle's type exposes kafkajs again.
    // @ts-expect-error no admin client outside lib/kafka (use lib/kafka/admin.ts)
    expect(kafka.admin).toBeUndefined();
    // @ts-expect-error no producer outside lib/kafka (use AvroProducer or lib/kafka/raw.ts)
    expect(kafka.producer).toBeUndefined();
    // @ts-expect-error no consumer outside lib/kafka (use the runners or lib/kafka/raw.ts)
    expect(kafka.consumer).toBeUndefined();
    expect(Object.keys(kafka)).toEqual([]);
    expect(Object.isFrozen(kafka)).toBe(true);
  });
});
