/**
 * A run's events as a stream that cannot miss any: what was published before the stream was run is
 * read back from the journal, the rest comes live from the run's `PubSub`. Nothing is kept in
 * memory, so a long run's footprint stays flat.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import * as Event from "./Event.ts"
import * as FileError from "./FileError.ts"
import type * as Journal from "./Journal.ts"

/**
 * Every event of a run, from its first to `run_finished`, whenever the stream is run.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: {
  readonly events: PubSub.PubSub<Event.Event>
  readonly journal: Journal.Journal
  readonly fs: FileSystem.FileSystem
  readonly path: string
  /** Where this session's lines begin in the journal (a resumed run appends to the earlier ones). */
  readonly start: number
  /** The `seq` the next event will get. */
  readonly nextSeq: () => number
}): Stream.Stream<Event.Event, FileError.FileError> => {
  const { events, journal, fs, path, start } = options
  // The events stamped before a late subscription, read back once the journal has written them.
  const replay = (before: number) =>
    Effect.gen(function* () {
      yield* journal.flushed
      const bytes = yield* fs.readFile(path).pipe(Effect.mapError(FileError.fromCause("read", path)))
      const text = new TextDecoder().decode(bytes.subarray(start))
      return Event.parseJournal(text).events.filter((e) => e.seq < before)
    })
  return Stream.unwrapScoped(
    Effect.gen(function* () {
      const live = yield* PubSub.subscribe(events)
      // Every event numbered below `first` is in the journal; one published between the
      // subscription and this line is both there and in the queue, and the filter drops its copy.
      const first = options.nextSeq()
      const earlier = first === 0 ? [] : yield* replay(first)
      return Stream.fromIterable(earlier).pipe(
        Stream.concat(Stream.filter(Stream.fromQueue(live), (e) => e.seq >= first)),
        Stream.takeUntil((e) => e._tag === "run_finished")
      )
    })
  )
}
