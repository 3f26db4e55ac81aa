// Formats cpu (cores) and byte amounts back into Kubernetes quantities for messages and tables.

export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function formatBytes(bytes: number): string {
  for (const [suffix, size] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= size && Number.isInteger(Math.round((bytes / size) * 100) / 100)) return `${Math.round((bytes / size) * 100) / 100}${suffix}`;
  }
  return formatBytesRounded(bytes);
}

/** A measured amount, rounded for reading: 45.2Mi, 1.3Gi (formatBytes keeps an exact quantity such as 46292Ki). */
export function formatBytesRounded(bytes: number): string {
  for (const [suffix, size] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= size) return `${(bytes / size).toFixed(1).replace(/\.0$/, '')}${suffix}`;
  }
  return String(Math.round(bytes));
}
