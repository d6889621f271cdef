import { Command, Option } from 'commander';
import { example, out } from './context.js';

export function caCommand(): Command {
  return new Command('ca')
    .description("print where faultline's local CA certificate is and how to trust it (made on first use)")
    .addOption(new Option('--json', 'print path and fingerprint as JSON').conflicts('pem'))
    .option('--pem', 'print the CA certificate itself')
    .addHelpText(
      'after',
      '\nThe CA issues the certificates of proxies created with "tls": {"auto": true}. It lives in\n$FAULTLINE_CA_DIR, else $XDG_CONFIG_HOME/faultline/ca, else ~/.config/faultline/ca (mode 0700).\nA server elsewhere (a container, another user) serves its own CA certificate at GET /ca.pem:\n  curl -s http://127.0.0.1:8474/ca.pem -o faultline-ca.pem\n' +
        example(
          'faultline ca --pem > faultline-ca.pem && curl --cacert faultline-ca.pem https://127.0.0.1:8443/',
        ),
    )
    .action(async (options: { json?: boolean; pem?: boolean }) => {
      const { defaultCaDirectory, openLocalCa } = await import('../system/local-ca.js');
      const ca = await openLocalCa(defaultCaDirectory());
      if (options.pem) {
        process.stdout.write(ca.certificatePem);
        return;
      }
      if (options.json) {
        out(JSON.stringify({ certificate: ca.certificatePath, sha256: ca.fingerprint }, null, 2));
        return;
      }
      out(`faultline's local CA certificate: ${ca.certificatePath}`);
      out(`SHA-256 fingerprint: ${ca.fingerprint}`);
      out('');
      out('Trust it where you test, not system-wide:');
      out(`  curl --cacert ${ca.certificatePath} https://127.0.0.1:PORT/`);
      out(`  NODE_EXTRA_CA_CERTS=${ca.certificatePath} node app.js`);
      out(`  openssl s_client -CAfile ${ca.certificatePath} -connect 127.0.0.1:PORT`);
      out(`  SSL_CERT_FILE=${ca.certificatePath} python3 app.py`);
    });
}
