/** PyYAML's implicit resolver for timestamps: a date-only value needs two-digit months and days. */
export const PYYAML_TIMESTAMP =
  /^(?:\d{4}-\d\d-\d\d|\d{4}-\d\d?-\d\d?(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)$/;

/** How construct_yaml_timestamp splits the text it was given. */
const PARTS =
  /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d\d?)(?::(\d\d))?))?)?$/;

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * A YAML timestamp as chaos's journal writes it: PyYAML builds a Python date or datetime (with
 * the offset written, or none) and chaos's JSON encoder writes its isoformat(). Values Python
 * refuses to build throw with Python's reason, as safe_load fails on them.
 */
export function pythonIsoformat(text: string): string {
  const parts = PARTS.exec(text);
  if (!parts) throw new Error(`'${text}' is not a timestamp (yyyy-mm-dd, then an optional time)`);
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1) throw new Error(`year ${year} is out of range`);
  if (month < 1 || month > 12) throw new Error('month must be in 1..12');
  if (day < 1 || day > daysIn(year, month)) throw new Error('day is out of range for month');
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (parts[4] === undefined) return date;
  if (hour > 23) throw new Error('hour must be in 0..23');
  if (minute > 59) throw new Error('minute must be in 0..59');
  if (second > 59) throw new Error('second must be in 0..59');
  const microseconds = Number((parts[7] ?? '').slice(0, 6).padEnd(6, '0'));
  const fraction = microseconds === 0 ? '' : `.${pad(microseconds, 6)}`;
  return `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${offset(parts[8], parts[9], parts[10], parts[11])}`;
}

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** datetime.timezone's part of isoformat(): "+HH:MM", "+00:00" for Z, nothing for a naive time. */
function offset(zone?: string, sign?: string, hours?: string, minutes?: string): string {
  if (zone === undefined) return '';
  const total = (Number(hours ?? 0) * 60 + Number(minutes ?? 0)) * (sign === '-' ? -1 : 1);
  if (Math.abs(total) >= 24 * 60)
    throw new Error(
      'offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)',
    );
  const magnitude = Math.abs(total);
  return `${total < 0 ? '-' : '+'}${pad(Math.floor(magnitude / 60))}:${pad(magnitude % 60)}`;
}
