export interface TlsFiles {
  dir: string;
  passwordFile: string;
  caPem: string;
  serverKeystore: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}
export declare function tlsFiles(dir: string): TlsFiles;
/** Creates a local CA, a server certificate (127.0.0.1, localhost) and a client certificate once per folder. */
export declare function ensureTlsMaterial(
  dir: string,
  opts?: { javaBin?: string; log?: (line: string) => void },
): TlsFiles & { password: string };
