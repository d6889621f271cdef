const secondsPer: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86_400,
  week: 604_800,
};

const relative = /^(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?\s+ago$/i;
const unixSeconds = /^\d+(?:\.\d+)?$/;
const isoDate = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export const TIME_FORMATS = `"now", "N seconds|minutes|hours|days|weeks ago", an RFC 3339 date or Unix seconds`;

/**
 * The times chaostoolkit-prometheus's probes take (it reads them with dateparser): "now",
 * "5 minutes ago", an RFC 3339 date, or Unix seconds. Returns undefined for anything else, so the
 * caller can name what it received.
 */
export function parseTime(value: string | number, now: Date): Date | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value * 1000) : undefined;
  const text = value.trim();
  if (/^now$/i.test(text)) return now;
  const ago = relative.exec(text);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * secondsPer[ago[2]!.toLowerCase()]! * 1000);
  if (unixSeconds.test(text)) return new Date(Number(text) * 1000);
  if (isoDate.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
