export declare const KAFKA_VERSION: string;
export declare const APICURIO_VERSION: string;
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
export declare function stackUp(opts?: StackOptions): Promise<string[]>;
export declare function stackDown(opts?: StackOptions & { only?: string[] }): Promise<void>;
export declare function stackStatus(opts?: { env?: NodeJS.ProcessEnv }): Promise<Record<string, ServiceStatus>>;
export declare function stackEndpoints(env?: NodeJS.ProcessEnv): { brokers: string; registryUrl: string };
