/**
 * Stamps a run's event drafts (version, sequence, time, session) and hands each event to `seen` at
 * once: stamping is on every task's path, so it is synchronous, and the ISO time is made once per
 * clock millisecond, not once per event.
 */
import type * as Clock from "effect/Clock"
import type * as Event from "../Event.ts"

export const stamper = (clock: Clock.Clock, runId: string, seen: (event: Event.Event) => void) => {
  let seq = 0
  let stampedAt = -1
  let stampedIso = ""
  const stamp = (draft: Event.Draft): Event.Event => {
    const now = clock.unsafeCurrentTimeMillis()
    if (now !== stampedAt) {
      stampedAt = now
      stampedIso = new Date(now).toISOString()
    }
    // Fixed keys first: a spread followed by more keys is several times slower in V8.
    const event = { v: 1, seq: seq++, ts: stampedIso, runId, ...draft } as Event.Event
    seen(event)
    return event
  }
  // nextSeq: the sequence number the next event gets.
  return { stamp, nextSeq: () => seq }
}
