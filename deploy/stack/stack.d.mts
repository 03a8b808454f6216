export declare const KAFKA_VERSION: string;
export declare const APICURIO_VERSION: string;
/** The environment variables the stack reads. */
export declare const STACK_SETTINGS: readonly string[];
export declare class StackError extends Error {}
export interface StackOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}
export interface ServiceStatus {
  running: boolean;
  healthy: boolean;
  pid?: number;
  port: number;
  rssMiB?: number;
  log: string;
}
/** `only`: the services to start (default both). */
export declare function stackUp(opts?: StackOptions & { only?: string[] }): Promise<string[]>;
export declare function stackDown(opts?: StackOptions & { only?: string[] }): Promise<void>;
export declare function stackStatus(opts?: { env?: NodeJS.ProcessEnv }): Promise<Record<string, ServiceStatus>>;
export declare const STACK_SASL_USER: string;
export interface StackEndpoints {
  brokers: string;
  registryUrl: string;
  /** With TWS_KAFKA_SASL_SSL_PORT: the SASL_SSL listener (PLAIN, SCRAM-SHA-256/512). */
  saslSsl?: { brokers: string; caFile: string; username: string; passwordFile: string };
  /** With TWS_KAFKA_SSL_PORT: the SSL listener that requires a client certificate. */
  ssl?: { brokers: string; caFile: string; certFile: string; keyFile: string };
}
export declare function stackEndpoints(env?: NodeJS.ProcessEnv): StackEndpoints;
