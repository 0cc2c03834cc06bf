/**
 * What the SLURM backend hands to the scheduler: the wrapper script that runs one task attempt (as a
 * batch job or as a step of an allocation), and the `sbatch`/`srun` command lines. Pure functions,
 * tested in `test/unit/backends/SlurmScript.test.ts`.
 */
import * as Either from "effect/Either"
import type * as Backend from "../../core/Backend.ts"
import * as CommandLine from "../../core/CommandLine.ts"
import type * as Task from "../../core/Task.ts"

/** `s` as one POSIX shell word: single-quoted, with `'` written as `'\''`. Nothing inside expands. */
export const quote = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** A name the shell can `export`. */
export const isShellName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)

/**
 * An output path for `sbatch -o`/`srun -o`: both read `%j`, `%x`, … in it, so a literal `%` is `%%`.
 */
export const outputPattern = (path: string): string => path.replace(/%/g, "%%")

/** A job name SLURM shows well: letters, digits, `_`, `.`, `-`, at most 128 characters. */
export const jobName = (parts: ReadonlyArray<string | number>): string =>
  parts
    .map((p) => String(p).replace(/[^A-Za-z0-9_.-]+/g, "_"))
    .join("-")
    .slice(0, 128)

/** The parts of an attempt's job name. */
export interface AttemptName {
  readonly runId: string
  readonly learner: string
  readonly index: number
  readonly iteration: number
  readonly task: string
  readonly attempt: number
}

/**
 * The job name of one task attempt, `rose-<run id>-<learner>-<index>-i<iteration>-<task>-a<attempt>`:
 * unique per attempt, so a resumed run finds the job by it when its id never reached the journal.
 * Within 128 characters the run id prefix (which `reap` sweeps by) and the iteration, task and
 * attempt are kept whole; a long learner name is cut first, then a long task name.
 */
export const attemptJobName = (name: AttemptName): string => {
  const part = (p: string | number) => String(p).replace(/[^A-Za-z0-9_.-]+/g, "_")
  const head = `rose-${part(name.runId)}-`
  const tail = (task: string) => `-${name.index}-i${name.iteration}-${task}-a${name.attempt}`
  const whole = `${head}${part(name.learner)}${tail(part(name.task))}`
  if (whole.length <= 128) return whole
  // Both cut ones end with a hash of the whole name, so two long names that share a prefix stay apart.
  const hash = fnv1a(whole)
  const task = part(name.task)
  const learnerRoom = 128 - head.length - tail(task).length - hash.length - 1
  if (learnerRoom >= 1) return `${head}${part(name.learner).slice(0, learnerRoom)}${hash}${tail(task)}`
  const taskRoom = Math.max(1, 128 - head.length - 1 - tail("").length - hash.length)
  return `${head}${part(name.learner).slice(0, 1)}${tail(`${task.slice(0, taskRoom)}${hash}`)}`.slice(0, 128)
}

/** An 8-digit hex FNV-1a hash of a string. */
const fnv1a = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16).padStart(8, "0")
}

/**
 * What a job-mode attempt gives `onSubmit`: its job name and its wrapper files' base path (the start
 * and exit files are `<base>.start`, `<base>.exit`), enough for a later process to find the job.
 */
export interface Ticket {
  readonly job: string
  readonly base: string
}

/** A ticket as the compact string the journal keeps. */
export const ticketText = (ticket: Ticket): string => JSON.stringify({ slurm: 1, job: ticket.job, base: ticket.base })

/** A ticket from its string; undefined if it is not one of this backend's. */
export const parseTicket = (text: string | undefined): Ticket | undefined => {
  if (text === undefined) return undefined
  const parsed = Either.try(() => JSON.parse(text) as unknown)
  if (Either.isLeft(parsed)) return undefined
  const v = parsed.right
  if (typeof v !== "object" || v === null) return undefined
  const { base, job, slurm } = v as { readonly slurm?: unknown; readonly job?: unknown; readonly base?: unknown }
  return slurm === 1 && typeof job === "string" && job.length > 0 && typeof base === "string" && base.length > 0
    ? { job, base }
    : undefined
}

/** The files of one task attempt: the wrapper, the start record and the exit status it writes. */
export interface Files {
  /** The path the three are named after. */
  readonly base: string
  readonly script: string
  readonly start: string
  readonly exit: string
}

/** Files named `<base>.sh`, `<base>.start`, `<base>.exit`. */
export const files = (base: string): Files => ({
  base,
  script: `${base}.sh`,
  start: `${base}.start`,
  exit: `${base}.exit`
})

/** What the wrapper needs to know. */
export interface WrapperSpec {
  readonly command: Backend.Command
  readonly cwd: string
  readonly env: { readonly [name: string]: string }
  /** Shell lines run before the task (`module load …`), in the wrapper's shell. */
  readonly setup: ReadonlyArray<string>
  readonly files: Files
  /** Seconds between SIGTERM and SIGKILL to the task's process group when the job is signalled. */
  readonly graceSeconds: number
  /** A comment line saying which task this is. */
  readonly label: string
}

/** The argv a command runs as (a shell script runs under `/bin/sh -c`, as the local backend does). */
export const argvOf = (command: Backend.Command): ReadonlyArray<string> =>
  command._tag === "Argv" ? command.argv : ["/bin/sh", "-c", command.script]

/**
 * The wrapper: a POSIX `sh` script that
 * 1. enters the working directory (creating it), exports the environment, runs the setup lines;
 * 2. checks that the executable exists (else writes `notfound` as the exit status);
 * 3. starts the task under `setsid`, so it leads its own process group, and records
 *    `<pid> <node> <job id> <step id>` in the start file;
 * 4. waits for it; then SIGKILLs the group (nothing the task left in the background survives) and
 *    writes the exit code to the exit file atomically (a temporary file, then `mv`);
 * 5. on SIGTERM/SIGINT/SIGHUP (`scancel`, a time limit, preemption) forwards SIGTERM to the group,
 *    SIGKILLs it after the grace period, and writes no exit status: the job did not finish.
 * Whatever way the wrapper exits, its EXIT trap SIGKILLs the group (`scancel` alone misses
 * double-forked processes under `proctrack/linuxproc`), and if a setup line ended the wrapper's
 * shell itself (`. missing-file`, `exit`), writes that line's failure as the exit status.
 */
export const wrapper = (spec: WrapperSpec): string => {
  const lines: Array<string> = [
    "#!/bin/sh",
    `# rose-ts: ${spec.label.replace(/[\r\n]+/g, " ")}`,
    "# Generated by the SLURM backend; see docs/slurm.md. Writes <pid> <node> <job> <step> to the",
    "# start file when the task starts, its exit code to the exit file when it ends.",
    `rose_start=${quote(spec.files.start)}`,
    `rose_exit=${quote(spec.files.exit)}`,
    `rose_grace=${Math.max(0, Math.round(spec.graceSeconds))}`,
    "rose_pg=",
    "rose_killer=",
    "rose_signalled=0",
    "rose_setup=",
    "rose_status() {",
    `  printf '%s\\n' "$1" >"$rose_exit.tmp" && mv -f "$rose_exit.tmp" "$rose_exit"`,
    "}",
    "rose_cleanup() {",
    "  rose_rc=$?",
    // A setup line that ends the shell itself (`. missing-file`: a special built-in's error exits a
    // non-interactive sh; an `exit`) skips the check after it: report it here, as that check would.
    `  if [ -n "$rose_setup" ] && [ -z "$rose_pg" ] && [ "$rose_signalled" = 0 ] && [ ! -e "$rose_exit" ]; then`,
    `    rose_status "error setup line $rose_setup failed (exit $rose_rc)"`,
    "  fi",
    `  if [ -n "$rose_pg" ]; then kill -s KILL -- "-$rose_pg" 2>/dev/null; fi`,
    // By group and by pid: the killer may not have called setsid yet.
    `  if [ -n "$rose_killer" ]; then kill -s KILL -- "-$rose_killer" "$rose_killer" 2>/dev/null; fi`,
    "}",
    "rose_signal() {",
    "  rose_signalled=$((rose_signalled + 1))",
    // Cancelled before the task started (during the setup lines): do not start it.
    `  [ -n "$rose_pg" ] || exit 143`,
    `  if [ -n "$rose_pg" ]; then`,
    `    kill -s TERM -- "-$rose_pg" 2>/dev/null`,
    `    if [ -z "$rose_killer" ]; then`,
    `      setsid sh -c 'sleep "$1"; kill -s KILL -- "-$2" 2>/dev/null' rose-killer "$rose_grace" "$rose_pg" &`,
    "      rose_killer=$!",
    "    fi",
    "  fi",
    "}",
    "trap rose_cleanup EXIT",
    "trap rose_signal TERM INT HUP",
    `{ [ -d ${quote(spec.cwd)} ] || mkdir -p ${quote(spec.cwd)}; } && cd ${quote(spec.cwd)} || { rose_status ${quote(`error cannot enter the working directory ${spec.cwd}`)}; exit 1; }`
  ]
  const env = Object.entries(spec.env)
  const odd: Array<string> = []
  for (const [name, value] of env) {
    if (isShellName(name)) lines.push(`export ${name}=${quote(value)}`)
    else odd.push(`${name}=${value}`)
  }
  spec.setup.forEach((line, i) => {
    lines.push(
      `rose_setup=${i + 1}`,
      `${line}`,
      `rose_rc=$?; [ "$rose_rc" = 0 ] || { rose_status ${quote(`error setup line ${i + 1} failed (exit `)}"$rose_rc)"; exit 1; }`
    )
  })
  if (spec.setup.length > 0) lines.push("rose_setup=")
  // Variables whose names the shell cannot export reach the task through env(1).
  const argv = odd.length === 0 ? argvOf(spec.command) : ["env", ...odd, ...argvOf(spec.command)]
  lines.push(
    `set -- ${argv.map(quote).join(" ")}`,
    'command -v setsid >/dev/null 2>&1 || { rose_status "error setsid (util-linux) is not installed on $(uname -n)"; exit 1; }',
    `case $1 in`,
    `  */*) [ -f "$1" ] && [ -x "$1" ] ;;`,
    `  *) command -v "$1" >/dev/null 2>&1 ;;`,
    `esac || { rose_status "notfound \${SLURMD_NODENAME:-$(uname -n)}"; exit 127; }`,
    // setsid does not fork here (a background job is never a group leader): $! is the task's pid
    // and, once setsid ran, its process group. One write(2) of a line: the reader waits for "\n".
    `setsid "$@" &`,
    "rose_pg=$!",
    `printf '%s %s %s %s\\n' "$rose_pg" "\${SLURMD_NODENAME:-$(uname -n)}" "\${SLURM_JOB_ID:--}" "\${SLURM_STEP_ID:--}" >"$rose_start"`,
    "while :; do",
    "  rose_seen=$rose_signalled",
    `  wait "$rose_pg"`,
    "  rose_code=$?",
    `  [ "$rose_seen" = "$rose_signalled" ] && break`,
    "done",
    `kill -s KILL -- "-$rose_pg" 2>/dev/null`,
    `[ "$rose_signalled" = 0 ] || exit 143`,
    `rose_status "$rose_code"`,
    `exit "$rose_code"`,
    ""
  )
  return lines.join("\n")
}

/** The holder job of an allocation: it only keeps the allocation alive until it is cancelled. */
export const holderScript = "while :; do sleep 86400; done"

/**
 * Extra `#SBATCH` directives as arguments: `"--qos=high"`, `"--qos high"` or `"#SBATCH --qos=high"`
 * (split into words like a command line, never expanded).
 */
export const directiveArgs = (directives: ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, string> => {
  const out: Array<string> = []
  for (const d of directives) {
    const text = d.trim().replace(/^#SBATCH\s+/, "")
    if (text.length === 0) continue
    const words = CommandLine.split(text)
    if (Either.isLeft(words)) return Either.left(`directive ${JSON.stringify(d)}: ${words.left.message}`)
    if (!words.right[0]?.startsWith("-")) return Either.left(`directive ${JSON.stringify(d)} is not an option`)
    out.push(...words.right)
  }
  return Either.right(out)
}

/** The resource options of a job or step. */
export const resourceArgs = (resources: Task.Resources): Array<string> => {
  const out = [`--cpus-per-task=${Math.max(1, Math.ceil(resources.cores ?? 1))}`]
  if (resources.gpus !== undefined && resources.gpus > 0) out.push(`--gres=gpu:${Math.ceil(resources.gpus)}`)
  if (resources.memory !== undefined) out.push(`--mem=${resources.memory}`)
  if (resources.time !== undefined) out.push(`--time=${resources.time}`)
  return out
}

/** Where a job or step runs and what it is called. */
export interface Placement {
  readonly name: string
  readonly stdoutPath: string
  readonly stderrPath: string
  readonly cwd: string
}

/** `sbatch` for one task: `--parsable` prints the job id; `--no-requeue` leaves retries to rose. */
export const sbatchArgs = (options: {
  readonly placement: Placement
  readonly partition?: string | undefined
  readonly account?: string | undefined
  readonly resources: Task.Resources
  readonly directives: ReadonlyArray<string>
  readonly script: string
}): Array<string> => [
  "sbatch",
  "--parsable",
  "--no-requeue",
  `--job-name=${options.placement.name}`,
  `--output=${outputPattern(options.placement.stdoutPath)}`,
  `--error=${outputPattern(options.placement.stderrPath)}`,
  `--chdir=${options.placement.cwd}`,
  ...(options.partition === undefined ? [] : [`--partition=${options.partition}`]),
  ...(options.account === undefined ? [] : [`--account=${options.account}`]),
  "--ntasks=1",
  ...resourceArgs(options.resources),
  ...options.directives,
  options.script
]

/** What an allocation asks for. */
export interface AllocationRequest {
  readonly nodes?: number | undefined
  /** CPUs in all (one task slot of one CPU each). */
  readonly cores: number
  readonly gpus?: number | undefined
  readonly memory?: string | undefined
  readonly time?: string | undefined
}

/** `sbatch` for the holder job of an allocation. */
export const allocationArgs = (options: {
  readonly name: string
  readonly partition?: string | undefined
  readonly account?: string | undefined
  readonly request: AllocationRequest
  readonly directives: ReadonlyArray<string>
}): Array<string> => {
  const r = options.request
  return [
    "sbatch",
    "--parsable",
    "--no-requeue",
    `--job-name=${options.name}`,
    "--output=/dev/null",
    "--error=/dev/null",
    "--chdir=/",
    ...(options.partition === undefined ? [] : [`--partition=${options.partition}`]),
    ...(options.account === undefined ? [] : [`--account=${options.account}`]),
    ...(r.nodes === undefined ? [] : [`--nodes=${r.nodes}`]),
    `--ntasks=${r.cores}`,
    "--cpus-per-task=1",
    ...(r.gpus === undefined || r.gpus === 0 ? [] : [`--gres=gpu:${r.gpus}`]),
    ...(r.memory === undefined ? [] : [`--mem=${r.memory}`]),
    ...(r.time === undefined ? [] : [`--time=${r.time}`]),
    ...options.directives,
    `--wrap=${holderScript}`
  ]
}

/**
 * `srun` for one task as a step of an allocation: `--exact` gives the step exactly the CPUs it asks
 * for, so steps run side by side; the backend's own gate keeps them within the allocation.
 */
export const srunArgs = (options: {
  readonly allocation: string
  readonly placement: Placement
  readonly resources: Task.Resources
  readonly script: string
}): Array<string> => [
  "srun",
  `--jobid=${options.allocation}`,
  "--exact",
  "--quiet",
  "--nodes=1",
  "--ntasks=1",
  ...resourceArgs(options.resources),
  `--job-name=${options.placement.name}`,
  `--output=${outputPattern(options.placement.stdoutPath)}`,
  `--error=${outputPattern(options.placement.stderrPath)}`,
  `--chdir=${options.placement.cwd}`,
  "/bin/sh",
  options.script
]
