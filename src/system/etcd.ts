/** etcd's v3 HTTP gateway and /metrics, for probes that need no etcdctl. */
import { fetchAnyPort } from '../net/fetch-any-port.js';

export interface MemberStatus {
  endpoint: string;
  ok: boolean;
  leader?: boolean;
  memberId?: string;
  leaderId?: string;
  term?: number;
  raftIndex?: number;
  error?: string;
}

export interface EtcdMetrics {
  hasLeader: boolean;
  leaderChanges: number;
  proposalsFailed: number;
  proposalsCommitted: number;
  proposalsPending: number;
}

const encode = (text: string) => Buffer.from(text).toString('base64');
const decode = (text: string) => Buffer.from(text, 'base64').toString();

/** An endpoint the gateway can be asked at: an http(s) URL, or host:port (http is assumed). */
export function isEtcdEndpoint(endpoint: string): boolean {
  const url = endpoint.includes('://') ? endpoint : `http://${endpoint}`;
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host !== '';
}

function baseUrl(endpoint: string): string {
  const url = endpoint.includes('://') ? endpoint : `http://${endpoint}`;
  new URL(url);
  return url.replace(/\/$/, '');
}

async function call(
  endpoint: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchAnyPort(`${baseUrl(endpoint)}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (error as Error).message;
    throw new Error(`etcd ${path} on ${endpoint}: ${reason}`);
  }
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok || json.error)
    throw new Error(`etcd ${path} on ${endpoint}: ${String(json.error ?? json.message ?? response.status)}`);
  return json;
}

export async function put(endpoint: string, key: string, value: string, timeoutMs = 2000): Promise<number> {
  const reply = await call(endpoint, '/v3/kv/put', { key: encode(key), value: encode(value) }, timeoutMs);
  return Number((reply.header as { revision?: string }).revision ?? 0);
}

/** A linearizable range read (etcd's default) of every key with the prefix. */
export async function rangePrefix(
  endpoint: string,
  prefix: string,
  timeoutMs = 5000,
): Promise<Map<string, string>> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const reply = await call(
    endpoint,
    '/v3/kv/range',
    { key: encode(prefix), range_end: encode(end) },
    timeoutMs,
  );
  const kvs = (reply.kvs ?? []) as Array<{ key: string; value: string }>;
  return new Map(kvs.map((kv) => [decode(kv.key), decode(kv.value)]));
}

export async function memberStatus(endpoint: string, timeoutMs = 2000): Promise<MemberStatus> {
  try {
    const reply = await call(endpoint, '/v3/maintenance/status', {}, timeoutMs);
    const header = reply.header as { member_id: string; raft_term: string };
    const errors = (reply.errors ?? []) as string[];
    return {
      endpoint,
      ok: errors.length === 0,
      leader: header.member_id === reply.leader,
      memberId: header.member_id,
      leaderId: String(reply.leader ?? ''),
      term: Number(reply.raftTerm ?? header.raft_term),
      raftIndex: Number(reply.raftIndex ?? 0),
      ...(errors.length ? { error: errors.join('; ') } : {}),
    };
  } catch (error) {
    return { endpoint, ok: false, error: (error as Error).message };
  }
}

export async function metrics(endpoint: string, timeoutMs = 2000): Promise<EtcdMetrics> {
  const response = await fetchAnyPort(`${baseUrl(endpoint)}/metrics`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    hasLeader: value('etcd_server_has_leader') === 1,
    leaderChanges: value('etcd_server_leader_changes_seen_total'),
    proposalsFailed: value('etcd_server_proposals_failed_total'),
    proposalsCommitted: value('etcd_server_proposals_committed_total'),
    proposalsPending: value('etcd_server_proposals_pending'),
  };
}

export async function transferLeadership(
  leaderEndpoint: string,
  targetId: string,
  timeoutMs = 5000,
): Promise<void> {
  await call(leaderEndpoint, '/v3/maintenance/transfer-leadership', { targetID: targetId }, timeoutMs);
}
