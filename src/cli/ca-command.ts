import { Command, Option } from 'commander';
import { FaultlineApiError } from '../client/errors.js';
import { clientFor, example, out, serverUrlFromEnvironment, withServerUrl } from './context.js';

export function caCommand(): Command {
  return withServerUrl(new Command('ca'))
    .description(
      "print where faultline's local CA certificate is and how to trust it (made on first use); with -h or FAULTLINE_URL, the CA of that server",
    )
    .addOption(new Option('--json', 'print path and fingerprint as JSON').conflicts('pem'))
    .option('--pem', 'print the CA certificate itself')
    .addHelpText(
      'after',
      '\nThe CA issues the certificates of proxies created with "tls": {"auto": true}. It lives in\n$FAULTLINE_CA_DIR, else $XDG_CONFIG_HOME/faultline/ca, else ~/.config/faultline/ca (mode 0700).\nA server started with another CA directory (another FAULTLINE_CA_DIR, another user, a container)\nsigns with its own: -h URL asks that server for it (GET /ca.pem), and so does FAULTLINE_URL (else\nTOXIPROXY_URL) when set, as for every command that talks to a server. With neither, this is the\nCA of the user running this command, in this environment (FAULTLINE_URL= faultline ca when it is set).\n' +
        example(
          'faultline ca -h http://127.0.0.1:8474 --pem > faultline-ca.pem && curl --cacert faultline-ca.pem https://127.0.0.1:8443/',
        ),
    )
    .action(async (options: { json?: boolean; pem?: boolean }, command: Command) => {
      const server = serverNamedBy(command);
      if (server) return printServerCa(command, options, server);
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
      out(`faultline's local CA certificate (of this user, here): ${ca.certificatePath}`);
      out(`SHA-256 fingerprint: ${ca.fingerprint}`);
      out('');
      out('Trust it where you test, not system-wide:');
      out(`  curl --cacert ${ca.certificatePath} https://127.0.0.1:PORT/`);
      out(`  NODE_EXTRA_CA_CERTS=${ca.certificatePath} node app.js`);
      out(`  openssl s_client -CAfile ${ca.certificatePath} -connect 127.0.0.1:PORT`);
      out(`  SSL_CERT_FILE=${ca.certificatePath} python3 app.py`);
      out('');
      out('A server started with another CA directory signs with its own CA; get that one with');
      out('-h (or FAULTLINE_URL set to the server):');
      out('  faultline ca -h http://127.0.0.1:8474 --pem > faultline-ca.pem');
    });
}

/**
 * What names a server, as for the other client commands: -h/--host before or after the command,
 * else FAULTLINE_URL, else TOXIPROXY_URL. Then the server's CA is wanted, not this user's.
 */
function serverNamedBy(command: Command): string | undefined {
  let program = command;
  while (program.parent) program = program.parent;
  if (command.opts<{ host?: string }>().host !== undefined || program.getOptionValueSource('host') === 'cli')
    return '-h';
  const { from } = serverUrlFromEnvironment();
  return from === 'the default' ? undefined : from;
}

async function printServerCa(
  command: Command,
  options: { json?: boolean; pem?: boolean },
  namedBy: string,
): Promise<void> {
  const client = clientFor(command);
  let pem: string;
  try {
    pem = await client.caCertificate();
  } catch (error) {
    if (namedBy === '-h' || !(error instanceof FaultlineApiError)) throw error;
    // The variable may be set for the other commands while this user's own CA was wanted.
    const hint = `the server is the one ${namedBy} names; for this user's own CA, leave it empty: ${namedBy}= faultline ca`;
    throw new FaultlineApiError(error.code, error.status, error.reason, {
      cause: error,
      hint: error.hint === undefined ? hint : `${error.hint}\n${hint}`,
    });
  }
  if (options.pem) {
    process.stdout.write(pem);
    return;
  }
  const { X509Certificate } = await import('node:crypto');
  const sha256 = new X509Certificate(pem).fingerprint256;
  if (options.json) {
    out(JSON.stringify({ server: client.url, sha256, pem }, null, 2));
    return;
  }
  out(`the CA certificate of the server at ${client.url} (GET /ca.pem), named by ${namedBy}`);
  out(`SHA-256 fingerprint: ${sha256}`);
  out('');
  out('Save it and trust it where you test, not system-wide:');
  out(`  faultline ca -h ${client.url} --pem > faultline-ca.pem`);
  out('  curl --cacert faultline-ca.pem https://127.0.0.1:PORT/');
  out('  NODE_EXTRA_CA_CERTS=faultline-ca.pem node app.js');
}
