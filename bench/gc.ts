/**
 * Garbage collection time inside a measured window, from the `gc` entries of perf_hooks: what the
 * benchmark states as the GC share of a run, measured in that run.
 */
import { PerformanceObserver, performance } from "node:perf_hooks"

export const gcTimer = () => {
  const entries: Array<{ readonly at: number; readonly ms: number }> = []
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) entries.push({ at: e.startTime, ms: e.duration })
  })
  observer.observe({ entryTypes: ["gc"] })
  let from = 0
  return {
    start: () => {
      from = performance.now()
    },
    /** GC milliseconds since `start` (entries arrive asynchronously: a turn of the loop is awaited). */
    stop: async (): Promise<number> => {
      const to = performance.now()
      await new Promise((resolve) => setImmediate(resolve))
      observer.disconnect()
      return entries.filter((e) => e.at >= from && e.at <= to).reduce((sum, e) => sum + e.ms, 0)
    }
  }
}
