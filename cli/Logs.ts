/**
 * `rose logs`: the `.out`/`.err` files a run's tasks left (`learners/<name>-<k>/iter-<i>/<task>.out`,
 * `.out.<attempt>` from the second attempt), selected by learner, iteration, task, attempt and
 * stream, each under a `==> path <==` header; or followed as they grow and as new tasks start, until
 * the run journals its end.
 *
 * @since 0.2.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { closest } from "../dsl/internal/suggest.ts"
import * as EarlySignals from "../runtime/EarlySignals.ts"
import { type CliExit, fail } from "./Exit.ts"
import * as FailureText from "./FailureText.ts"
import * as Status from "./Status.ts"
import * as Term from "./Term.ts"

/**
 * One output file of a task's attempt.
 *
 * @since 0.2.0
 * @category models
 */
export interface LogFile {
  readonly path: string
  readonly name: string
  readonly index: number
  readonly iteration: number
  readonly task: string
  readonly stream: "out" | "err"
  readonly attempt: number
}

/**
 * Which files to show; an absent field selects every value.
 *
 * @since 0.2.0
 * @category models
 */
export interface Selection {
  readonly learner?: { readonly name: string; readonly index?: number | undefined } | undefined
  readonly iteration?: number | undefined
  readonly task?: string | undefined
  readonly attempt?: number | undefined
  readonly stream?: "out" | "err" | undefined
}

const signalNumbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const
const signals = Object.keys(signalNumbers) as ReadonlyArray<keyof typeof signalNumbers>

const folderPattern = /^(.+)-(\d+)$/
const iterPattern = /^iter-(\d+)$/
const filePattern = /^(.+)\.(out|err)(?:\.(\d+))?$/

const entries = (dir: string): ReadonlyArray<string> =>
  Either.getOrElse(
    Either.try(() => NodeFs.readdirSync(dir)),
    () => []
  )

/**
 * Every task output file under a run directory, as they are now.
 *
 * @since 0.2.0
 * @category reading
 */
export const list = (runDir: string): ReadonlyArray<LogFile> => {
  const out: Array<LogFile> = []
  const learners = NodePath.join(runDir, "learners")
  for (const folder of entries(learners)) {
    const f = folderPattern.exec(folder)
    if (f === null) continue
    for (const iter of entries(NodePath.join(learners, folder))) {
      const i = iterPattern.exec(iter)
      if (i === null) continue
      for (const file of entries(NodePath.join(learners, folder, iter))) {
        const m = filePattern.exec(file)
        if (m === null) continue
        out.push({
          path: NodePath.join(learners, folder, iter, file),
          name: f[1]!,
          index: Number(f[2]),
          iteration: Number(i[1]),
          task: m[1]!,
          stream: m[2] as "out" | "err",
          attempt: m[3] === undefined ? 1 : Number(m[3])
        })
      }
    }
  }
  return out
}

/**
 * What the journal says so far: the learners in the order the run started them, when each task's
 * attempt started (its order in the journal), and whether the run (its last session) has ended.
 *
 * @since 0.2.0
 * @category models
 */
export interface JournalView {
  readonly names: Array<string>
  readonly parallel: Map<string, number>
  readonly order: Map<string, number>
  pid: number | undefined
  finished: boolean
  /** Bytes of the journal read so far (complete lines only). */
  offset: number
}

const taskKey = (name: string, index: number, iteration: number, task: string, attempt: number) =>
  `${name}-${index}/${iteration}/${task}/${attempt}`

/**
 * An empty view, to be fed with `readJournal`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const emptyJournal = (): JournalView => ({
  names: [],
  parallel: new Map(),
  order: new Map(),
  pid: undefined,
  finished: false,
  offset: 0
})

const readFrom = (path: string, offset: number): Buffer => {
  const read = Either.try(() => {
    const fd = NodeFs.openSync(path, "r")
    const size = NodeFs.fstatSync(fd).size
    const buf = Buffer.alloc(Math.max(0, size - offset))
    if (buf.length > 0) NodeFs.readSync(fd, buf, 0, buf.length, offset)
    NodeFs.closeSync(fd)
    return buf
  })
  return Either.getOrElse(read, () => Buffer.alloc(0))
}

/**
 * Reads the journal's lines written since the last call into the view.
 *
 * @since 0.2.0
 * @category reading
 */
export const readJournal = (runDir: string, view: JournalView): JournalView => {
  const buf = readFrom(NodePath.join(runDir, "events.jsonl"), view.offset)
  const end = buf.lastIndexOf(10)
  if (end < 0) return view
  view.offset += end + 1
  for (const line of buf.subarray(0, end).toString("utf8").split("\n")) {
    const parsed = Either.try(() => JSON.parse(line) as Record<string, unknown>)
    if (Either.isLeft(parsed)) continue
    const e = parsed.right
    // The journal names an event's kind `type` (see `Event.toJsonLine`).
    const type = e.type
    if (type === "run_started") {
      view.finished = false
      view.pid = typeof e.pid === "number" ? e.pid : undefined
      for (const l of (e.learners ?? []) as ReadonlyArray<{ name: string; parallel: number }>) {
        if (!view.names.includes(l.name)) view.names.push(l.name)
        view.parallel.set(l.name, l.parallel)
      }
    } else if (type === "run_finished") view.finished = true
    else if (type === "task_queued" || type === "task_started") {
      const ref = e.learner as { name: string; index: number }
      const key = taskKey(ref.name, ref.index, e.iteration as number, e.task as string, e.attempt as number)
      if (!view.order.has(key)) view.order.set(key, view.order.size)
    }
  }
  return view
}

/**
 * Files in the order their tasks ran: by learner (as the run lists them), iteration, the journal's
 * order of the attempts, then stdout before stderr.
 *
 * @since 0.2.0
 * @category reading
 */
export const sort = (files: ReadonlyArray<LogFile>, view: JournalView): Array<LogFile> => {
  const rank = (f: LogFile) => {
    const at = view.names.indexOf(f.name)
    return at < 0 ? view.names.length : at
  }
  const order = (f: LogFile) =>
    view.order.get(taskKey(f.name, f.index, f.iteration, f.task, f.attempt)) ?? Number.POSITIVE_INFINITY
  return [...files].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.name.localeCompare(b.name) ||
      a.index - b.index ||
      a.iteration - b.iteration ||
      order(a) - order(b) ||
      a.task.localeCompare(b.task) ||
      a.attempt - b.attempt ||
      (a.stream === b.stream ? 0 : a.stream === "out" ? -1 : 1)
  )
}

/**
 * Whether a file is selected.
 *
 * @since 0.2.0
 * @category reading
 */
export const matches = (f: LogFile, s: Selection): boolean =>
  (s.learner === undefined ||
    (f.name === s.learner.name && (s.learner.index === undefined || f.index === s.learner.index))) &&
  (s.iteration === undefined || f.iteration === s.iteration) &&
  (s.task === undefined || f.task === s.task) &&
  (s.attempt === undefined || f.attempt === s.attempt) &&
  (s.stream === undefined || f.stream === s.stream)

/**
 * The learner a `LEARNER` argument names: `name[k]`, `name-k`, or `name` (every learner of the
 * block); a message with the closest known learner when it names none.
 *
 * @since 0.2.0
 * @category parsing
 */
export const parseLearner = (
  arg: string,
  known: ReadonlyArray<{ readonly name: string; readonly index: number }>
): Either.Either<NonNullable<Selection["learner"]>, string> => {
  const exists = (name: string, index?: number) =>
    known.some((l) => l.name === name && (index === undefined || l.index === index))
  const bracket = /^(.+)\[(\d+)\]$/.exec(arg)
  if (bracket !== null && exists(bracket[1]!, Number(bracket[2])))
    return Either.right({ name: bracket[1]!, index: Number(bracket[2]) })
  const dash = folderPattern.exec(arg)
  if (bracket === null && dash !== null && exists(dash[1]!, Number(dash[2])))
    return Either.right({ name: dash[1]!, index: Number(dash[2]) })
  if (bracket === null && exists(arg)) return Either.right({ name: arg })
  const names = [...new Set(known.map((l) => l.name))]
  const labels = known.map((l) => `${l.name}[${l.index}]`)
  const guess = closest(arg, bracket === null && dash === null ? [...names, ...labels] : labels)
  const list = names.length === 0 ? "the run has no learners yet" : `its learners: ${names.join(", ")}`
  return Either.left(
    `no learner '${arg}' in this run${guess === undefined ? "" : `; did you mean '${guess}'?`} (${list})`
  )
}

const knownLearners = (files: ReadonlyArray<LogFile>, view: JournalView, runDir: string) => {
  const out = new Map<string, { name: string; index: number }>()
  for (const [name, parallel] of view.parallel)
    for (let index = 0; index < parallel; index++) out.set(`${name}-${index}`, { name, index })
  for (const f of files) out.set(`${f.name}-${f.index}`, { name: f.name, index: f.index })
  for (const folder of entries(NodePath.join(runDir, "learners"))) {
    const m = folderPattern.exec(folder)
    if (m !== null) out.set(folder, { name: m[1]!, index: Number(m[2]) })
  }
  return [...out.values()]
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly runDir: string
  readonly learner: string | undefined
  readonly iteration: number | undefined
  readonly task: string | undefined
  readonly attempt: number | undefined
  readonly stream: "out" | "err" | undefined
  readonly follow: boolean
  readonly out: Term.Sink
  readonly err: Term.Sink
  /** How often `--follow` looks for new output. */
  readonly pollMillis?: number | undefined
}

const header = (path: string, color: boolean) => {
  const text = `==> ${FailureText.shortPath(path, process.cwd())} <==`
  return color ? `\u001b[1m${text}\u001b[22m` : text
}

/**
 * Prints (or follows) the selected output files of a run.
 *
 * @since 0.2.0
 * @category running
 */
export const run = (options: Options): Effect.Effect<void, CliExit> =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = NodePath.resolve(options.runDir)
      const isRun =
        NodeFs.existsSync(NodePath.join(dir, "events.jsonl")) || NodeFs.existsSync(NodePath.join(dir, "run.json"))
      if (!isRun) {
        return yield* fail(
          2,
          `${options.runDir}: no journal (events.jsonl) here; ${NodeFs.existsSync(dir) ? "is it a run directory?" : "no such directory"}`
        )
      }
      const view = readJournal(dir, emptyJournal())
      let learner: Selection["learner"]
      if (options.learner !== undefined) {
        const parsed = parseLearner(options.learner, knownLearners(list(dir), view, dir))
        if (Either.isLeft(parsed)) return yield* fail(2, `${options.runDir}: ${parsed.left}`)
        learner = parsed.right
      }
      const selection: Selection = {
        learner,
        iteration: options.iteration,
        task: options.task,
        attempt: options.attempt,
        stream: options.stream
      }
      const { out, err } = options
      const selected = () =>
        sort(
          list(dir).filter((f) => matches(f, selection)),
          view
        )
      if (!options.follow) {
        const files = selected()
        if (files.length === 0) {
          err.write(`${options.runDir}: no task output matches${view.finished ? "" : " (yet)"}\n`)
          return
        }
        files.forEach((f, i) => {
          const text = readFrom(f.path, 0).toString("utf8")
          out.write(
            `${i === 0 ? "" : "\n"}${header(f.path, out.color)}\n${text}${text === "" || text.endsWith("\n") ? "" : "\n"}`
          )
        })
        return
      }
      // Followed like `tail -f` does several files: a header whenever the output comes from another file.
      const offsets = new Map<string, { offset: number; decoder: InstanceType<typeof TextDecoder> }>()
      const announced = new Set<string>()
      let last: string | undefined
      let endedWithNewline = true
      const pass = () => {
        for (const f of selected()) {
          const seen = offsets.get(f.path) ?? { offset: 0, decoder: new TextDecoder() }
          offsets.set(f.path, seen)
          const buf = readFrom(f.path, seen.offset)
          if (buf.length === 0) {
            if (seen.offset === 0 && !announced.has(f.path)) {
              // A task that started and has written nothing yet: name its file once.
              announced.add(f.path)
              out.write(`${last === undefined ? "" : endedWithNewline ? "\n" : "\n\n"}${header(f.path, out.color)}\n`)
              last = f.path
              endedWithNewline = true
            }
            continue
          }
          announced.add(f.path)
          seen.offset += buf.length
          const text = seen.decoder.decode(buf, { stream: true })
          if (last !== f.path) {
            out.write(`${last === undefined ? "" : endedWithNewline ? "\n" : "\n\n"}${header(f.path, out.color)}\n`)
            last = f.path
          }
          out.write(text)
          if (text !== "") endedWithNewline = text.endsWith("\n")
        }
      }
      const every = `${options.pollMillis ?? 250} millis` as const
      // Ctrl-C ends a follow as it ends `tail -f`: quietly, with 128 + the signal's number.
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          const resumeEarly = EarlySignals.suspend()
          const handlers = signals.map((signal) => {
            const handler = () => Term.exitNow("", 128 + signalNumbers[signal])
            process.once(signal, handler)
            return [signal, handler] as const
          })
          return { resumeEarly, handlers }
        }),
        ({ resumeEarly, handlers }) =>
          Effect.sync(() => {
            for (const [signal, handler] of handlers) process.removeListener(signal, handler)
            resumeEarly()
          })
      )
      while (true) {
        readJournal(dir, view)
        const ended = view.finished
        const gone = !ended && view.pid !== undefined && !Status.alive(view.pid)
        pass()
        if (ended) return
        if (gone) {
          err.write(
            `${endedWithNewline ? "" : "\n"}the run's rose process (pid ${view.pid}) is gone; rose resume ${options.runDir} continues it\n`
          )
          return
        }
        yield* Effect.sleep(every)
      }
    })
  )
