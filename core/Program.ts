/**
 * A program: the learner blocks of a run, the backends they use, and where they came from. Both the
 * `.rose` compiler and the TypeScript API build this value; the runner has no other input.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Json from "./Json.ts"
import * as Learner from "./Learner.ts"
import type * as LearnerConfig from "./LearnerConfig.ts"
import * as Population from "./Population.ts"
import * as Task from "./Task.ts"
import * as TaskSchedule from "./TaskSchedule.ts"

/**
 * A backend named by the program: its kind (a plugin's backend kind), its name (tasks refer to it
 * by name; the first one is the default) and its configuration, decoded by the plugin.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendChoice {
  readonly kind: string
  readonly name: string
  readonly config: Json.JsonObject
  /** Where the choice was written (a `.rose` line), so configuration errors can point at it. */
  readonly origin?: { readonly file: string; readonly line: number; readonly column: number } | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Source {
  /** The file the program came from (a `.rose` file or a module), if any. */
  readonly file: string | undefined
  readonly text: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Program {
  readonly learners: ReadonlyArray<Learner.LearnerDef>
  readonly backends: ReadonlyArray<BackendChoice>
  readonly plugins: ReadonlyArray<string>
  readonly source: Source
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ProgramError extends Data.TaggedError("ProgramError")<{
  readonly problems: ReadonlyArray<Learner.Problem>
}> {
  override get message(): string {
    return `invalid program:\n${this.problems.map((p) => `  ${Learner.formatProblem(p)}`).join("\n")}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProgramInput {
  readonly learners: ReadonlyArray<Learner.LearnerDef | Learner.LearnerInput>
  readonly backends?: ReadonlyArray<BackendChoice> | undefined
  readonly plugins?: ReadonlyArray<string> | undefined
  readonly source?: Partial<Source> | undefined
}

const isDef = (u: Learner.LearnerDef | Learner.LearnerInput): u is Learner.LearnerDef =>
  u.tasks instanceof Map && Array.isArray((u as Learner.LearnerDef).configs)

/**
 * Builds and validates a program: every learner valid, names unique, task backends known.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: ProgramInput): Either.Either<Program, ProgramError> => {
  const problems: Array<Learner.Problem> = []
  const learners: Array<Learner.LearnerDef> = []
  const seen = new Set<string>()
  for (const l of input.learners) {
    const def = isDef(l) ? Either.right(l) : Learner.make(l)
    if (Either.isLeft(def)) {
      problems.push(...def.left)
      continue
    }
    if (seen.has(def.right.name))
      problems.push({ learner: def.right.name, message: "two learner blocks have this name" })
    seen.add(def.right.name)
    learners.push(def.right)
  }
  if (input.learners.length === 0) problems.push({ learner: "*", message: "the program has no learners" })
  const backends = input.backends ?? []
  const backendNames = new Set(backends.map((b) => b.name))
  for (const l of learners) {
    for (const t of l.tasks.values()) {
      if (t.backend !== undefined && backends.length > 0 && !backendNames.has(t.backend)) {
        problems.push({
          learner: l.name,
          task: t.name,
          message: `unknown backend "${t.backend}" (declared: ${[...backendNames].join(", ")})`
        })
      }
    }
  }
  if (problems.length > 0) return Either.left(new ProgramError({ problems }))
  return Either.right({
    learners,
    backends,
    plugins: input.plugins ?? [],
    source: { file: input.source?.file, text: input.source?.text }
  })
}

/**
 * The total number of parallel learners.
 *
 * @since 0.1.0
 * @category getters
 */
export const learnerCount = (program: Program): number => program.learners.reduce((n, l) => n + l.parallel, 0)

const describeSource = (source: TaskSchedule.Source): Json.Json => {
  if (TaskSchedule.isAdaptive(source)) return source.describe === undefined ? "<adaptive>" : source.describe()
  const out: Record<string, Json.Json> = {}
  if (source.args !== undefined) out.args = [...source.args]
  out.kwargs = { ...(source.kwargs ?? {}) }
  return out
}

const describeLayer = (layer: TaskSchedule.Layer): Json.Json => {
  const source = describeSource(layer.source)
  switch (layer._tag) {
    case "Always":
      return { always: source }
    case "From":
      return { from: layer.iteration, config: source }
    case "At":
      return { at: layer.iteration, config: source }
    case "Default":
      return { default: source }
  }
}

const describeSchedule = (schedule: TaskSchedule.TaskSchedule): Json.Json => schedule.layers.map(describeLayer)

const describeConfig = (config: LearnerConfig.Normalized): Json.Json => {
  const out: Record<string, Json.Json> = {}
  for (const [task, schedule] of config) out[task] = describeSchedule(schedule)
  return out
}

/**
 * A JSON description of the program (`run.json`'s plan; its hash guards a resume).
 *
 * @since 0.1.0
 * @category rendering
 */
export const describe = (program: Program): Json.JsonObject => ({
  learners: program.learners.map((l) => ({
    kind: l.kind,
    name: l.name,
    parallel: l.parallel,
    maxIter: l.maxIter ?? null,
    criterion:
      l.criterion === undefined
        ? null
        : { metric: l.criterion.metric, operator: l.criterion.operator, threshold: l.criterion.threshold },
    onError: l.onError,
    tasks: Object.fromEntries([...l.tasks.values()].map((t) => [t.name, Task.describe(t)])),
    configs: l.configs.map(describeConfig),
    options: l.options,
    ...(l.population === undefined ? {} : { population: Population.toJson(l.population) }),
    ...(l.budget === undefined ? {} : { budget: Population.budgetToJson(l.budget) })
  })),
  backends: program.backends.map((b) => ({ kind: b.kind, name: b.name, config: b.config })),
  plugins: [...program.plugins]
})

/**
 * Serialises JSON with sorted keys, so equal plans hash equally.
 *
 * @since 0.1.0
 * @category rendering
 */
export const canonicalJson = (value: Json.Json): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (Json.isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`)
      .join(",")}}`
  }
  return JSON.stringify(value)
}
