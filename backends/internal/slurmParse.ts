/**
 * Reading what SLURM's commands and the job wrapper print: `sbatch --parsable`, its errors, `squeue`
 * lines, `scontrol show` records, the wrapper's start and exit files. Pure functions, tested in
 * `test/unit/backends/SlurmParse.test.ts`.
 */

/** The `squeue` format the poller asks for: job id, state, node list, reason. */
export const squeueFormat = "%i|%T|%N|%r"

/** One job as `squeue` shows it. */
export interface JobRow {
  readonly jobId: string
  readonly state: string
  readonly nodes: string
  readonly reason: string
}

/** Parses `squeue -h -o '%i|%T|%N|%r'` output; lines that do not fit are skipped. */
export const parseSqueue = (text: string): Map<string, JobRow> => {
  const out = new Map<string, JobRow>()
  for (const line of text.split("\n")) {
    const parts = line.trim().split("|")
    if (parts.length < 4 || !/^\d+/.test(parts[0]!)) continue
    const [jobId, state, nodes, ...reason] = parts as [string, string, string, ...Array<string>]
    out.set(jobId, { jobId, state: state.replace(/\+$/, ""), nodes, reason: reason.join("|") })
  }
  return out
}

/**
 * States in which a job still holds (or waits for) resources. Anything else is over: COMPLETED,
 * FAILED, CANCELLED, TIMEOUT, PREEMPTED, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, …
 */
const activeStates = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "STOPPED",
  "SIGNALING",
  "STAGE_OUT",
  "RESIZING",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
  "RESV_DEL_HOLD",
  "SPECIAL_EXIT",
  "UPDATE_DB",
  "POWER_UP_NODE"
])

/** Whether a job in this state is still pending, running or finishing. */
export const isActive = (state: string): boolean => activeStates.has(state)

/** Whether a job in this state has not started yet. */
export const isPending = (state: string): boolean => state === "PENDING" || state === "CONFIGURING"

/** Why a job that ended without an exit status was lost, in words. */
export const lostReason = (state: string, reason: string): string => {
  const why: { readonly [state: string]: string } = {
    TIMEOUT: "it reached its time limit (--time) and the scheduler killed it",
    PREEMPTED: "the scheduler preempted it",
    NODE_FAIL: "its node failed",
    BOOT_FAIL: "its node failed to boot",
    CANCELLED: "it was cancelled outside rose (scancel, an administrator or a limit)",
    OUT_OF_MEMORY: "it ran out of memory (--mem)",
    DEADLINE: "it reached its deadline",
    FAILED: "the job failed before the task finished (no exit status was written; see the task's .err file)",
    COMPLETED:
      "the job ended but the task's exit status was never written (is the run directory shared with the nodes?)"
  }
  const text = why[state] ?? `it ended in state ${state}`
  return reason.length > 0 && reason !== "None" ? `${state}: ${text} (reason ${reason})` : `${state}: ${text}`
}

/**
 * Pending reasons that mean the job can never start as submitted (on clusters that accept such jobs
 * instead of rejecting them at submission): a resource problem, or a bad account/QOS.
 */
export const hopelessPending = (reason: string): "resources" | "config" | undefined => {
  switch (reason) {
    case "BadConstraints":
    case "PartitionNodeLimit":
    case "PartitionTimeLimit":
      return "resources"
    case "InvalidAccount":
    case "InvalidQOS":
    case "PartitionDown":
    case "PartitionInactive":
    case "AssocGrpCpuLimit_Unsatisfiable":
      return "config"
    default:
      return undefined
  }
}

/** The job id `sbatch --parsable` printed (`123` or `123;cluster`), if any. */
export const parseSbatch = (stdout: string): string | undefined => {
  const line = stdout
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /^\d+(;\S+)?$/.test(l))
  return line?.split(";")[0]
}

/** What a failed `sbatch`/`srun` submission means. */
export type SubmitFailure =
  | { readonly _tag: "Partition"; readonly message: string }
  | { readonly _tag: "Resources"; readonly message: string }
  | { readonly _tag: "Config"; readonly message: string }
  | { readonly _tag: "Transient"; readonly message: string }
  | { readonly _tag: "AllocationGone"; readonly message: string }
  | { readonly _tag: "Other"; readonly message: string }

/** The lines SLURM's commands print about the error, without their `sbatch: error:` prefixes. */
export const errorLines = (stderr: string): string =>
  stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^(sbatch|srun|salloc|squeue|scancel|scontrol): (error: )?/, ""))
    .join("; ")

/** Classifies the error output of `sbatch` or `srun`. */
export const classifySubmitError = (stderr: string): SubmitFailure => {
  const message = errorLines(stderr)
  const has = (re: RegExp) => re.test(stderr)
  if (has(/invalid partition/i)) return { _tag: "Partition", message }
  if (
    has(/Requested node configuration is not available/i) ||
    has(/More processors requested than permitted/i) ||
    has(/Memory specification can not be satisfied/i) ||
    has(/Invalid generic resource/i) ||
    has(/Requested time limit is invalid/i) ||
    has(/Node count specification invalid/i) ||
    has(/CPU count per node can not be satisfied/i) ||
    has(/Requested partition configuration not available/i) ||
    has(/Job violates accounting\/QOS policy.*(MaxCpu|MaxNode|MaxWall|MaxTRES)/i) ||
    has(/Unable to create step.*(Requested node configuration|More processors|Memory required)/i)
  ) {
    return { _tag: "Resources", message }
  }
  if (
    has(/Invalid job id specified/i) ||
    has(/has expired/i) ||
    has(/already completed/i) ||
    has(/Job\/step already completing or completed/i)
  ) {
    return { _tag: "AllocationGone", message }
  }
  if (
    has(/Unable to contact slurm controller/i) ||
    has(/Socket timed out/i) ||
    has(/Slurm temporarily unable to accept job/i) ||
    has(/Resource temporarily unavailable/i) ||
    has(/Connection refused/i) ||
    has(/MaxSubmit/i) ||
    has(/Zero Bytes were transmitted/i)
  ) {
    return { _tag: "Transient", message }
  }
  if (
    has(/Invalid account/i) ||
    has(/Invalid qos/i) ||
    has(/unrecognized option/i) ||
    has(/invalid option/i) ||
    has(/Invalid feature specification/i) ||
    has(/Access\/permission denied/i) ||
    has(/User's group not permitted/i)
  ) {
    return { _tag: "Config", message }
  }
  return { _tag: "Other", message: message.length > 0 ? message : "no error message" }
}

/** What the wrapper's start file says: the task's pid (= its process group), node, job and step. */
export interface StartRecord {
  readonly pid: number
  readonly node: string
  readonly jobId: string | undefined
  readonly stepId: string | undefined
}

/** Parses `<pid> <node> <job> <step>` (`-` for an unknown job or step); undefined if incomplete. */
export const parseStart = (text: string): StartRecord | undefined => {
  if (!text.endsWith("\n")) return undefined
  const [pid, node, job, step] = text.trim().split(/\s+/)
  if (pid === undefined || !/^\d+$/.test(pid) || node === undefined) return undefined
  const id = (s: string | undefined) => (s === undefined || s === "-" || s.length === 0 ? undefined : s)
  return { pid: Number(pid), node, jobId: id(job), stepId: id(step) }
}

/** What the wrapper's exit file says. */
export type ExitRecord =
  | { readonly _tag: "Exited"; readonly code: number }
  | { readonly _tag: "NotFound"; readonly node: string | undefined }
  | { readonly _tag: "Error"; readonly reason: string }

/** Parses the exit file: a code, `notfound [node]`, or `error <reason>`; undefined if incomplete. */
export const parseExit = (text: string): ExitRecord | undefined => {
  if (!text.endsWith("\n")) return undefined
  const line = text.trim()
  if (/^\d+$/.test(line)) return { _tag: "Exited", code: Number(line) }
  if (line === "notfound" || line.startsWith("notfound ")) {
    const node = line.slice("notfound".length).trim()
    return { _tag: "NotFound", node: node.length > 0 ? node : undefined }
  }
  if (line.startsWith("error ")) return { _tag: "Error", reason: line.slice("error ".length) }
  return undefined
}

/** The `Key=Value` fields of a `scontrol show job|partition|node` record (values may hold spaces). */
export const parseScontrol = (text: string): Map<string, string> => {
  const out = new Map<string, string>()
  // A key is a word followed by "="; its value runs to the next " Key=" or the end of the line.
  for (const line of text.split("\n")) {
    const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=(.*?)(?=\s+[A-Za-z][A-Za-z0-9_/:]*=|$)/g
    for (const m of line.matchAll(re)) out.set(m[1]!, m[2]!.trim())
  }
  return out
}

/** `scontrol show config` lines `Name = value` as a map. */
export const parseConfig = (text: string): Map<string, string> => {
  const out = new Map<string, string>()
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s*=\s*(.*)$/.exec(line.trim())
    if (m !== null) out.set(m[1]!, m[2]!.trim())
  }
  return out
}

/** Seconds from a config value such as `5 sec` or `30`; undefined if it is not one. */
export const parseSeconds = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const m = /^(\d+)(\s*sec)?$/.exec(value.trim())
  return m === null ? undefined : Number(m[1])
}

/** GPUs in a TRES list such as `cpu=2,mem=1G,node=1,gres/gpu=2`. */
export const tresGpus = (tres: string | undefined): number => {
  const m = /(?:^|,)gres\/gpu(?::[^=,]+)?=(\d+)/.exec(tres ?? "")
  return m === null ? 0 : Number(m[1])
}

/**
 * The line slurmstepd writes to a job's (or step's) stderr when the scheduler kills it, e.g.
 * `slurmstepd: error: *** JOB 41 ON node7 CANCELLED AT 2026-11-28T13:17:31 DUE TO TIME LIMIT ***`:
 * the last one in `stderr`, as the job state it stands for.
 */
export const schedulerKill = (stderr: string): { readonly state: string; readonly line: string } | undefined => {
  const re = /\*\*\* (?:JOB|STEP) \S+ ON \S+ CANCELLED AT \S+(?: DUE TO ([A-Z ]+?))? \*\*\*/g
  let last: RegExpExecArray | undefined
  for (const m of stderr.matchAll(re)) last = m as RegExpExecArray
  if (last === undefined) return undefined
  const due = last[1]
  const state =
    due === "TIME LIMIT"
      ? "TIMEOUT"
      : due === "PREEMPTION"
        ? "PREEMPTED"
        : due === "NODE FAILURE"
          ? "NODE_FAIL"
          : "CANCELLED"
  return { state, line: last[0] }
}

/** Job states that mean the scheduler, not the task, ended the job. */
export const isSchedulerKill = (state: string): boolean =>
  state === "TIMEOUT" ||
  state === "PREEMPTED" ||
  state === "NODE_FAIL" ||
  state === "CANCELLED" ||
  state === "DEADLINE" ||
  state === "BOOT_FAIL"
