const byteUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** "512M", "1.5GiB", "20971520" or a number: a size in bytes, the way stress and cgroups write them. */
export function parseBytes(value: unknown, field: string): number {
  const text = String(value).trim();
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  const unit = byteUnits[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined) {
    throw new Error(
      `${field} must be a size such as 512M, 1G or 20971520 (bytes), not ${JSON.stringify(value)}`,
    );
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 1) throw new Error(`${field} must be at least 1 byte, not ${JSON.stringify(value)}`);
  return bytes;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
