import { readFile } from 'node:fs/promises';
import { isObject, type Json, type JsonObject } from '../model/experiment.js';
import { fetchAnyPort } from '../net/fetch-any-port.js';
import type { Configuration, Secrets } from './configuration.js';
import { InvalidExperiment } from './errors.js';

/** A secret `{"type": "vault", "path": ..., "key"?: ...}`, read as chaoslib does with hvac. */
interface VaultSecret {
  scope: string;
  name: string;
  path: string | undefined;
  key: string | undefined;
}

const DEFAULT_SA_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const TIMEOUT_MS = 30_000;

/**
 * Fills `secrets` with the values of the vault secrets the experiment declares, over Vault's
 * HTTP API (KV v1 or v2; token, AppRole or Kubernetes service-account auth), with chaoslib's
 * configuration keys: vault_addr, vault_token, vault_role_id + vault_role_secret, vault_sa_role
 * (+ vault_sa_token_path, vault_k8s_mount_point), vault_kv_version (default "2") and
 * vault_secrets_mount_point (default "secret"). A secret that cannot be read stays unresolved,
 * with a warning that says why.
 */
export async function resolveVaultSecrets(
  declared: JsonObject | undefined,
  overrides: Secrets,
  configuration: Configuration,
  secrets: Secrets,
  warn: (message: string) => void,
): Promise<void> {
  const wanted = vaultSecretsOf(declared, overrides);
  if (wanted.length === 0) return;
  const address = String(
    configuration.vault_addr ?? process.env.VAULT_ADDR ?? 'http://127.0.0.1:8200',
  ).replace(/\/+$/, '');
  let token: string | undefined;
  try {
    token = await authenticate(address, configuration);
  } catch (error) {
    if (error instanceof InvalidExperiment) throw error;
    warn(
      `Vault at ${address} could not be reached (${describe(error)}): secrets ${wanted.map((secret) => `${secret.scope}.${secret.name}`).join(', ')} stay unresolved`,
    );
    return;
  }
  const version = String(configuration.vault_kv_version ?? '2');
  const mount = String(configuration.vault_secrets_mount_point ?? 'secret');
  for (const secret of wanted) {
    if (secret.path === undefined) {
      warn(
        `Missing Vault secret path for '${secret.name}' in secrets scope '${secret.scope}': it stays unresolved`,
      );
      continue;
    }
    let payload: Record<string, unknown> | undefined;
    try {
      payload = await readSecret(address, token, mount, secret.path, version);
    } catch (error) {
      warn(
        `Vault secret '${secret.name}' (path ${secret.path}) could not be read from ${address}: ${describe(error)}; it stays unresolved`,
      );
      continue;
    }
    if (payload === undefined) {
      warn(`No Vault secret found at path: ${secret.path} (for '${secret.name}'); it stays unresolved`);
      continue;
    }
    const scope = (secrets[secret.scope] ??= {});
    if (secret.key === undefined) scope[secret.name] = payload;
    else if (Object.hasOwn(payload, secret.key)) scope[secret.name] = payload[secret.key];
    else
      warn(
        `Vault secret at path ${secret.path} has no key '${secret.key}' (it has: ${Object.keys(payload).join(', ') || 'nothing'}); '${secret.name}' stays unresolved`,
      );
  }
}

function vaultSecretsOf(declared: JsonObject | undefined, overrides: Secrets): VaultSecret[] {
  const found: VaultSecret[] = [];
  for (const [scope, values] of Object.entries(declared ?? {})) {
    const effective = Object.hasOwn(overrides, scope) ? (overrides[scope] as Json) : values;
    if (!isObject(effective)) continue;
    for (const [name, value] of Object.entries(effective)) {
      if (!isObject(value) || value.type !== 'vault') continue;
      found.push({
        scope,
        name,
        path: typeof value.path === 'string' ? value.path : undefined,
        key: typeof value.key === 'string' ? value.key : undefined,
      });
    }
  }
  return found;
}

/** Vault refusing the AppRole or service-account login makes the experiment invalid, as in chaoslib. */
async function authenticate(address: string, configuration: Configuration): Promise<string | undefined> {
  if (configuration.vault_token !== undefined) return String(configuration.vault_token);
  if (configuration.vault_role_id !== undefined && configuration.vault_role_secret !== undefined) {
    return login(address, 'auth/approle/login', 'AppRole', {
      role_id: configuration.vault_role_id,
      secret_id: configuration.vault_role_secret,
    });
  }
  if (configuration.vault_sa_role !== undefined) {
    const tokenPath = String(configuration.vault_sa_token_path ?? DEFAULT_SA_TOKEN_PATH);
    const jwt = (await readFile(tokenPath, 'utf8')).trim();
    const mount = String(configuration.vault_k8s_mount_point ?? 'kubernetes');
    return login(address, `auth/${mount}/login`, 'Kubernetes service account', {
      role: configuration.vault_sa_role,
      jwt,
    });
  }
  return process.env.VAULT_TOKEN;
}

async function login(address: string, route: string, method: string, body: object): Promise<string> {
  const response = await fetchAnyPort(`${address}/v1/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const reply = (await response.json().catch(() => ({}))) as {
    auth?: { client_token?: unknown };
    errors?: unknown;
  };
  const token = reply.auth?.client_token;
  if (!response.ok || typeof token !== 'string') {
    throw new InvalidExperiment(
      `Failed to connect to Vault with the ${method}: HTTP ${response.status} ${JSON.stringify(reply.errors ?? reply)}; check vault_addr and the credentials in the configuration`,
    );
  }
  return token;
}

async function readSecret(
  address: string,
  token: string | undefined,
  mount: string,
  path: string,
  version: string,
): Promise<Record<string, unknown> | undefined> {
  const route = version === '2' ? `${mount}/data/${path}` : `${mount}/${path}`;
  const response = await fetchAnyPort(`${address}/v1/${route.replace(/\/+/g, '/')}`, {
    headers: token === undefined ? {} : { 'X-Vault-Token': token },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (response.status === 404) return undefined;
  const reply = (await response.json().catch(() => ({}))) as { data?: { data?: unknown }; errors?: unknown };
  if (!response.ok) throw new Error(`HTTP ${response.status} ${JSON.stringify(reply.errors ?? reply)}`);
  const payload = version === '2' ? reply.data?.data : reply.data;
  return isObject(payload as Json) ? (payload as Record<string, unknown>) : undefined;
}

function describe(error: unknown): string {
  return (error as Error).message;
}
