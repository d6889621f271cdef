/**
 * HH:MM:SS.mmm of an ISO time in the local time zone (the browser's on the dashboard, TZ's for
 * `faultline watch`), so both read as the clock beside them does; `withMs` false drops the
 * milliseconds. A text that is no time comes back as it is.
 */
export function clockTime(iso: string, withMs = true): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const seconds = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return withMs ? `${seconds}.${pad(date.getMilliseconds(), 3)}` : seconds;
}
