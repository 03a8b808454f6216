// Prints the private keys of PKCS12 keystore entries as PKCS#8 PEM files. keytool can create keys
// and certificates but cannot export a private key, and Node's TLS clients want PEM; the JDK is
// already a prerequisite of the local stack, so this runs as a single-file program (`java X.java`).
// Usage: java ExportPemKey.java <password> <keystore> <alias> <out.pem> [<keystore> <alias> <out.pem>]...
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;

public class ExportPemKey {
  public static void main(String[] args) throws Exception {
    char[] password = args[0].toCharArray();
    for (int i = 1; i + 2 < args.length; i += 3) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (FileInputStream in = new FileInputStream(args[i])) {
        store.load(in, password);
      }
      Key key = store.getKey(args[i + 1], password);
      if (key == null) throw new IllegalArgumentException("no key " + args[i + 1] + " in " + args[i]);
      String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
      Files.writeString(Path.of(args[i + 2]), "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    }
  }
}
