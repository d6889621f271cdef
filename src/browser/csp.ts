import { createHash } from 'node:crypto';

/** The CSP source that allows exactly this inline script: 'sha256-<base64>'. */
export function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

/**
 * A Content-Security-Policy header (one policy, or several joined by commas) amended so that the
 * inline script with `hash` may run, and nothing else changes: every directive of the app stays.
 * The hash goes where scripts are decided: script-src-elem and script-src, or a script-src copied
 * from default-src when the policy has only that.
 */
export function allowScriptHash(header: string, hash: string): string {
  return header
    .split(',')
    .map((policy) => amendPolicy(policy.trim(), hash))
    .join(', ');
}

function amendPolicy(policy: string, hash: string): string {
  const directives = policy
    .split(';')
    .map((directive) => directive.trim().split(/\s+/))
    .filter((tokens) => tokens[0] !== '');
  const named = (name: string) => directives.find((tokens) => tokens[0]!.toLowerCase() === name);
  const scriptDirectives = ['script-src-elem', 'script-src'].map(named).filter((tokens) => tokens);
  if (scriptDirectives.length === 0) {
    const fallback = named('default-src');
    if (!fallback) return policy;
    directives.push(['script-src', ...fallback.slice(1)]);
    scriptDirectives.push(directives.at(-1));
  }
  for (const tokens of scriptDirectives) addSource(tokens!, hash);
  return directives.map((tokens) => tokens.join(' ')).join('; ');
}

function addSource(tokens: string[], hash: string): void {
  const sources = tokens.slice(1).map((source) => source.toLowerCase());
  const none = sources.indexOf("'none'");
  if (none >= 0) {
    tokens.splice(none + 1, 1, hash);
    return;
  }
  // With a hash present, browsers ignore 'unsafe-inline': adding one would block the app's own
  // inline scripts. 'unsafe-inline' alone already lets the fault script run.
  const hasHashOrNonce = sources.some((source) => /^'(sha256|sha384|sha512|nonce)-/.test(source));
  if (sources.includes("'unsafe-inline'") && !hasHashOrNonce) return;
  tokens.push(hash);
}
