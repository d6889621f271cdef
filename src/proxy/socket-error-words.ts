/**
 * What a socket error code says happened on the way to an upstream, in words a user can act on:
 * node names the error (`connect ECONNREFUSED 127.0.0.1:9`), not what it means or what to do.
 * The tcp proxy's `connection.failed`, the udp proxy's flow failure and the http proxies' 502
 * all say it from this one table, so the same error reads the same on every proxy.
 */
export interface SocketErrorWords {
  /** What happened, said of "the upstream": `nothing listens on the upstream's port`. */
  readonly happened: string;
  /** What to check or do, where this host can do something. */
  readonly todo?: string;
  /** The upstream's address may be the wrong one: pointing the proxy at another is a fix. */
  readonly wrongAddress?: true;
  /** The ICMP message a UDP socket learns it from, where it comes from one. */
  readonly icmp?: string;
  /** Only a connect gives it: a request that failed with it never reached the upstream. */
  readonly connecting?: true;
}

const refused: SocketErrorWords = {
  happened: "nothing listens on the upstream's port",
  todo: 'start the upstream',
  wrongAddress: true,
  icmp: 'port unreachable',
  connecting: true,
};
const unresolved: SocketErrorWords = {
  happened: "the upstream's host name does not resolve here",
  todo: "check its spelling and this host's DNS",
  wrongAddress: true,
  connecting: true,
};
const lookupFailed: SocketErrorWords = {
  happened: "looking up the upstream's host name failed for now (no DNS server answered)",
  todo: "check this host's DNS",
  connecting: true,
};
const connectTimeout: SocketErrorWords = {
  happened: 'the upstream did not answer the connect in time',
  todo: 'check that it runs and that no firewall drops packets to it',
};
const hostUnreachable: SocketErrorWords = {
  happened: "the upstream's host cannot be reached",
  todo: "check that it is up, its address, and this host's network",
  icmp: 'host unreachable',
  connecting: true,
};
const networkUnreachable: SocketErrorWords = {
  happened: "there is no route from here to the upstream's network",
  todo: "check its address and this host's routes",
  icmp: 'network unreachable',
  connecting: true,
};
const notSent: SocketErrorWords = {
  happened: 'this host refused to send to the upstream (a firewall rule, or a broadcast address)',
  todo: "check this host's firewall and the upstream's address",
};

const table: Readonly<Record<string, SocketErrorWords>> = {
  ECONNREFUSED: refused,
  ENOTFOUND: unresolved,
  ENODATA: unresolved,
  EAI_AGAIN: lookupFailed,
  ETIMEDOUT: connectTimeout,
  UND_ERR_CONNECT_TIMEOUT: { ...connectTimeout, connecting: true },
  EHOSTUNREACH: hostUnreachable,
  EHOSTDOWN: hostUnreachable,
  ENETUNREACH: networkUnreachable,
  EADDRNOTAVAIL: {
    happened:
      "this host has no local address or port left to connect from (or the upstream's address is not one it can reach)",
    connecting: true,
  },
  // Said of a connect only (the tcp proxy's): a reset on an open connection is no connect failure.
  ECONNRESET: {
    happened: 'the upstream reset the connection as it opened',
    todo: 'check what listens there',
  },
  EMSGSIZE: { happened: 'a datagram was too large for the path to the upstream and was not sent' },
  EACCES: notSent,
  EPERM: notSent,
};

/** The words for a socket error's code, or undefined for a code the table does not know. */
export function socketErrorWords(code: string | undefined): SocketErrorWords | undefined {
  return code !== undefined && Object.hasOwn(table, code) ? table[code] : undefined;
}

/**
 * The words for an error that ended a connect, or undefined where the error may have come on an
 * open connection. ETIMEDOUT and ECONNRESET come either way: node names the system call that
 * failed (`connect ETIMEDOUT 127.0.0.1:80` has syscall `connect`, a reset while reading `read`),
 * so a connect that timed out at the kernel reads as one, not as an upstream that sent no HTTP.
 */
export function connectFailureWords(error: SocketError): SocketErrorWords | undefined {
  const words = socketErrorWords(error.code);
  return words?.connecting === true || (words !== undefined && endedConnect(error)) ? words : undefined;
}

interface SocketError {
  code?: string;
  syscall?: string;
  /** node's AggregateError, from a host name with several addresses: one error per connect tried. */
  errors?: unknown;
}

/**
 * Whether the error ended a connect: node's own says `syscall: 'connect'`; the AggregateError of
 * a host name with several addresses (IPv6 and IPv4, tried in turn) has no syscall, no message
 * and the code of its errors, each of which says it.
 */
function endedConnect(error: SocketError): boolean {
  if (error.syscall === 'connect') return true;
  const each = error.errors;
  return (
    Array.isArray(each) &&
    each.length > 0 &&
    each.every((one: unknown) => (one as SocketError | null)?.syscall === 'connect')
  );
}

/**
 * node's message for a socket error. The AggregateError of a host name with several addresses
 * has none (a tcp proxy's event read `: nothing listens on the upstream's port`): it is the
 * messages of its errors, one per address tried (`connect ECONNREFUSED ::1:9, connect
 * ECONNREFUSED 127.0.0.1:9`), or the code where they have none.
 */
export function socketErrorMessage(error: Error & { code?: string | undefined; errors?: unknown }): string {
  if (error.message !== '') return error.message;
  const each = Array.isArray(error.errors)
    ? error.errors
        .map((one: unknown) => (one instanceof Error ? one.message : ''))
        .filter((text) => text !== '')
    : [];
  return each.length > 0 ? each.join(', ') : (error.code ?? '');
}

/**
 * `; ` and what to do, naming the API call that moves `proxy` where its address may be wrong;
 * empty where there is nothing to do.
 */
export function whatToDo(words: SocketErrorWords, proxy: string): string {
  const move = `point the proxy at the right one (POST /proxies/${proxy} {"upstream": "HOST:PORT"})`;
  if (words.todo === undefined) return '';
  return words.wrongAddress === true ? `; ${words.todo}, or ${move}` : `; ${words.todo}`;
}
