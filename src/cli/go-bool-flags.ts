import { UsageError } from './context.js';

/** toxic add's stream flags, which toxiproxy-cli declares as Go bool flags. */
const streamFlags: Record<string, string> = {
  '-u': '--upstream',
  '-upstream': '--upstream',
  '--upstream': '--upstream',
  '-d': '--downstream',
  '-downstream': '--downstream',
  '--downstream': '--downstream',
};

/** toxiproxy-server's bool flags (cmd/server/server.go), which Go's flag package reads. */
const serverFlags: Record<string, string> = Object.fromEntries(
  ['proxy-metrics', 'runtime-metrics', 'version'].flatMap((name) => [
    [`-${name}`, `--${name}`],
    [`--${name}`, `--${name}`],
  ]),
);

/** What Go's strconv.ParseBool takes, which its flag package (and urfave/cli's) uses. */
const goTrue = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const goFalse = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/**
 * toxiproxy-cli takes a bool flag with a value, as Go's flag parsing does: `-u=true` is `-u`,
 * `--downstream=false` is the flag left out. Commander has no such form: it read `-u=false` as
 * `-u` and a second argument `false`, or refused `--upstream=true` as an unknown option. Returns
 * the arguments to give commander instead, or undefined when `arg` is no such flag.
 */
export function goStreamFlag(arg: string): string[] | undefined {
  return goBoolFlag(arg, streamFlags);
}

/**
 * toxiproxy-server's `-proxy-metrics=true`, `-runtime-metrics=false` and `-version=false`, as Go
 * reads them (a Compose file or Helm chart may spell every flag with its value); commander
 * refused them as unknown options. Returns the arguments for commander, or undefined.
 */
export function goServerFlag(arg: string): string[] | undefined {
  return goBoolFlag(arg, serverFlags);
}

function goBoolFlag(arg: string, flags: Record<string, string>): string[] | undefined {
  const at = arg.indexOf('=');
  if (at === -1) return undefined;
  const flag = arg.slice(0, at);
  const long = flags[flag];
  if (long === undefined) return undefined;
  const value = arg.slice(at + 1);
  if (goTrue.includes(value)) return [long];
  if (goFalse.includes(value)) return [];
  throw new UsageError(
    `invalid boolean value ${JSON.stringify(value)} for ${flag}: give ${flag} alone, or ${flag}=true or ${flag}=false`,
  );
}
