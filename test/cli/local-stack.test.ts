// Which local stack services `tws up` starts, what it says about the others, and the port clash check.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';
import { checkUpPorts, localStackPlan } from '../../bin/local-stack.ts';

describe('localStackPlan', () => {
  it('starts both services when the clients point at the stack', () => {
    expect(localStackPlan(loadConfig({ TWS_KAFKA_PORT: '29092' }))).toEqual({
      start: ['kafka', 'registry'],
      label: 'local Kafka + schema registry',
      notes: [],
    });
  });

  it('leaves a service to the address the user gave, and says so', () => {
    const plan = localStackPlan(loadConfig({ KAFKA_BROKERS: 'kafka-1:9093,kafka-2:9093' }));
    expect(plan.start).toEqual(['registry']);
    expect(plan.label).toBe('local schema registry');
    expect(plan.notes).toEqual(['Kafka: kafka-1:9093,kafka-2:9093 (KAFKA_BROKERS); the local Kafka is not started']);
    const none = localStackPlan(loadConfig({ KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'https://sr.example' }));
    expect(none.start).toEqual([]);
    expect(none.notes[1]).toContain('SCHEMA_REGISTRY_URL');
  });
});

describe('checkUpPorts', () => {
  it('refuses two listeners of up on one port, naming both settings', () => {
    const cfg = loadConfig({ TWS_API_PORT: '9092' });
    expect(() => checkUpPorts(cfg, ['kafka'])).toThrow(ConfigError);
    expect(() => checkUpPorts(cfg, ['kafka'])).toThrow('TWS_API_PORT=9092 and TWS_KAFKA_PORT=9092');
    // Not started by up: no clash.
    expect(() => checkUpPorts(cfg, [])).not.toThrow();
    // 0 means any free port.
    expect(() =>
      checkUpPorts(loadConfig({ TWS_API_PORT: '0', TWS_SIM_PORT: '0' }), ['kafka', 'registry']),
    ).not.toThrow();
  });
});
