// TLS material for the local stack's secure listeners and for tests: a private CA, a server
// certificate for 127.0.0.1/localhost and a client certificate (mTLS), made once per folder with the
// JDK's keytool (a prerequisite of the stack already). Brokers read the PKCS12 keystore; Node
// clients read the PEM files. Development only: the CA's key sits beside what it signed.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const VALIDITY_DAYS = '3650';

/** The files of a folder made by ensureTlsMaterial. */
export function tlsFiles(dir) {
  return {
    dir,
    passwordFile: join(dir, 'keystore-password'),
    caPem: join(dir, 'ca.pem'),
    serverKeystore: join(dir, 'server.p12'),
    serverCertPem: join(dir, 'server.pem'),
    serverKeyPem: join(dir, 'server.key'),
    clientCertPem: join(dir, 'client.pem'),
    clientKeyPem: join(dir, 'client.key'),
  };
}

function run(bin, args, what) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(
      `${what} failed (${bin} exit ${r.status ?? r.error?.message}): ${`${r.stdout}\n${r.stderr}`.trim()}`,
    );
}

/**
 * Creates the CA and certificates in `dir` unless they are there already; returns their paths and
 * the keystore password. `javaBin` is a java of 11+ (keytool is taken from beside it, else PATH).
 */
export function ensureTlsMaterial(dir, { javaBin = 'java', log = () => {} } = {}) {
  const files = tlsFiles(dir);
  if (existsSync(join(dir, '.complete'))) return { ...files, password: readFileSync(files.passwordFile, 'utf8') };
  log(`creating a local CA and certificates in ${dir} (keytool)…`);
  const beside = join(dirname(javaBin), 'keytool');
  const keytool = javaBin.includes('/') && existsSync(beside) ? beside : 'keytool';
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const t = tlsFiles(tmp);
  const password = randomBytes(16).toString('hex');
  const store = (name) => join(tmp, `${name}.p12`);
  const kt = (args, what) =>
    run(keytool, [...args, '-storetype', 'PKCS12', '-storepass', password, '-keypass', password], what);
  const keypair = (alias, dn, extra = []) =>
    kt(
      ['-genkeypair', '-alias', alias, '-keyalg', 'RSA', '-keysize', '2048', '-dname', dn, '-validity', VALIDITY_DAYS]
        .concat(extra)
        .concat(['-keystore', store(alias)]),
      `creating the ${alias} key`,
    );
  /** A key in its own keystore, signed by the CA, with the CA beside it (the chain brokers serve). */
  const signed = (alias, dn, exts) => {
    keypair(alias, dn);
    const csr = join(tmp, `${alias}.csr`);
    const pem = join(tmp, `${alias}.pem`);
    kt(['-certreq', '-alias', alias, '-keystore', store(alias), '-file', csr], `a ${alias} signing request`);
    kt(
      ['-gencert', '-alias', 'ca', '-keystore', store('ca'), '-infile', csr, '-outfile', pem, '-rfc']
        .concat(['-validity', VALIDITY_DAYS])
        .concat(exts.flatMap((e) => ['-ext', e])),
      `signing the ${alias} certificate`,
    );
    kt(['-importcert', '-noprompt', '-alias', 'ca', '-file', t.caPem, '-keystore', store(alias)], 'trusting the CA');
    kt(
      ['-importcert', '-alias', alias, '-file', pem, '-keystore', store(alias)],
      `installing the ${alias} certificate`,
    );
  };
  keypair('ca', 'CN=tws-local-ca', ['-ext', 'bc:c']);
  kt(['-exportcert', '-alias', 'ca', '-rfc', '-keystore', store('ca'), '-file', t.caPem], 'exporting the CA');
  signed('server', 'CN=localhost', ['SAN=dns:localhost,ip:127.0.0.1', 'EKU=serverAuth,clientAuth']);
  signed('client', 'CN=tws-client', ['EKU=clientAuth']);
  run(
    javaBin,
    [join(here, 'ExportPemKey.java'), password]
      .concat([store('server'), 'server', t.serverKeyPem])
      .concat([store('client'), 'client', t.clientKeyPem]),
    'exporting the PEM keys',
  );
  writeFileSync(t.passwordFile, password, { mode: 0o600 });
  for (const f of [t.serverKeyPem, t.clientKeyPem, store('ca')]) chmodSync(f, 0o600);
  writeFileSync(join(tmp, '.complete'), new Date().toISOString());
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return { ...files, password };
}
