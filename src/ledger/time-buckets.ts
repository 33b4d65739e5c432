/** Width of one bucket of a time series. */
export type TimeBucket = 'minute' | 'hour' | 'day'

const BUCKET_MS: Readonly<Record<TimeBucket, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/** Most buckets one series may hold: a wider range must use a coarser bucket. */
export const MAX_BUCKETS = 1000

/** Start of the bucket holding `time`, in UTC (what `date_trunc` gives in SQL). */
export function bucketStart(time: Date, bucket: TimeBucket): Date {
  const width = BUCKET_MS[bucket]
  return new Date(Math.floor(time.getTime() / width) * width)
}

/** How many buckets `[since, until)` spans. */
export function bucketCount(since: Date, until: Date, bucket: TimeBucket): number {
  if (until <= since) return 0
  const first = bucketStart(since, bucket).getTime()
  return Math.ceil((until.getTime() - first) / BUCKET_MS[bucket])
}

/**
 * Every bucket start of `[since, until)` (RFC 3339, UTC, whole seconds), each with the counts the
 * database returned for it or `empty()`: charts get a point for every bucket, also the quiet ones.
 *
 * @example
 * fillBuckets(since, until, 'hour', rowsByStart, () => ({ allow: 0, deny: 0 }))
 */
export function fillBuckets<T>(
  since: Date,
  until: Date,
  bucket: TimeBucket,
  found: ReadonlyMap<string, T>,
  empty: () => T,
): Array<{ start: string } & T> {
  const out: Array<{ start: string } & T> = []
  const width = BUCKET_MS[bucket]
  const count = Math.min(bucketCount(since, until, bucket), MAX_BUCKETS)
  for (let i = 0, t = bucketStart(since, bucket).getTime(); i < count; i++, t += width) {
    const start = toBucketKey(new Date(t))
    out.push({ start, ...(found.get(start) ?? empty()) })
  }
  return out
}

/** The key SQL produces for a bucket (`to_char(..., 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`). */
export function toBucketKey(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`
}
