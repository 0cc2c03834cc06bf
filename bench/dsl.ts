/**
 * What the `.rose` front end costs: parse (lex + parse + CST → AST), check and compile of generated
 * files with 10, 100 and 1,000 learners, beside the time to read the same file from disk. Two shapes:
 * `sections` is one block with `parallel N` and a `learner k { … }` section per learner (a generated
 * sweep); `blocks` is N learner blocks with their own tasks. Times are medians of warm runs (and the
 * best run's total, which a busy machine disturbs least); `init` is the one-time cost of building the
 * lexer and parser (the first parse of a process). "parse" is lexing, parsing and building the AST.
 * Budget (perf issue): a 1,000-learner file parsed, checked and compiled in under 250 ms. Run:
 * `node --import tsx bench/dsl.ts`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as Path from "node:path"
import type * as CheckModule from "../dsl/Check.ts"
import type * as CompileModule from "../dsl/Compile.ts"
import type * as DiagnosticModule from "../dsl/Diagnostic.ts"
import type * as ParseModule from "../dsl/internal/parse.ts"

// The built modules (what the rose command runs), not the sources through tsx, whose transform
// wraps every function in a naming helper and made parsing ~1.5× slower.
const built = async <A>(path: string): Promise<A> => {
  const url = new URL(`../dist/${path}`, import.meta.url)
  if (!fs.existsSync(url)) throw new Error(`dist/${path} is missing: run npm run build (npm install does)`)
  return (await import(url.href)) as A
}

export interface DslRow {
  readonly shape: "sections" | "blocks"
  readonly learners: number
  readonly lines: number
  readonly kib: number
  readonly readMs: number
  readonly parseMs: number
  readonly checkMs: number
  readonly compileMs: number
  /** parse + check + compile (median) */
  readonly totalMs: number
  /** the fastest run's parse + check + compile: on a busy machine, the closest to the intrinsic cost */
  readonly bestTotalMs: number
}

const tasks = `  simulation   = exec "node ./tasks/sim.mjs" with { n_labeled: 100, n_features: 2 }
  training     = exec "node ./tasks/train.mjs" with { learning_rate: 0.1 } timeout 10m retry 2
  active_learn = exec "node ./tasks/active.mjs"
  criterion    = exec "node ./tasks/check_mse.mjs"
  stop when mean_squared_error_mse < 0.1
`

const section = (k: number) => `  learner ${k} {
    simulation         { n_labeled: str(100 + i * ${(k % 7) + 1}0), noise: 0.1 * 0.95 ** i }
    training at 0      { learning_rate: ${(k % 9) + 1}e-3 }
    training from 5    { learning_rate: ${(k % 5) + 1}e-4, batch_size: min(64, 32 + i * 4) }
    training default   { learning_rate: 0.01 }
  }
`

/** A `.rose` text with `n` learners in the given shape. */
export const generate = (shape: DslRow["shape"], n: number): string => {
  if (shape === "sections") {
    let s = `# generated: ${n} learners in one block\nbackend local { concurrency: 8 }\nlet base = 100\n\nactive "sweep" {\n  parallel ${n}\n  max_iter 50\n${tasks}\n`
    for (let k = 0; k < n; k++) s += section(k)
    return `${s}}\n`
  }
  let s = `# generated: ${n} learner blocks\nbackend local { concurrency: 8 }\nlet base = 100\n`
  for (let k = 0; k < n; k++) s += `\nactive "sweep-${k}" {\n  max_iter 50\n${tasks}${section(0)}}\n`
  return s
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const time = <A>(f: () => A): [A, number] => {
  const t0 = performance.now()
  const a = f()
  return [a, performance.now() - t0]
}

/** Measures every shape and size; `runs` ≥ 3 warm runs each (median), after one warm-up. */
export const runDslBench = async (
  options: { readonly sizes?: ReadonlyArray<number>; readonly runs?: number } = {}
): Promise<{ readonly initMs: number; readonly rows: ReadonlyArray<DslRow> }> => {
  const Check = await built<typeof CheckModule>("dsl/Check.js")
  const Compile = await built<typeof CompileModule>("dsl/Compile.js")
  const Diagnostic = await built<typeof DiagnosticModule>("dsl/Diagnostic.js")
  const { parseText } = await built<typeof ParseModule>("dsl/internal/parse.js")
  const sizes = options.sizes ?? [10, 100, 1000]
  const runs = Math.max(3, options.runs ?? 9)
  const [, initMs] = time(() => parseText('active "a" { max_iter 1 }'))
  const dir = fs.mkdtempSync(Path.join(os.tmpdir(), "rose-dsl-bench-"))
  const rows: Array<DslRow> = []
  try {
    for (const shape of ["sections", "blocks"] as const) {
      for (const n of sizes) {
        const file = Path.join(dir, `${shape}-${n}.rose`)
        fs.writeFileSync(file, generate(shape, n))
        const samples = {
          read: [] as Array<number>,
          parse: [] as Array<number>,
          check: [] as Array<number>,
          compile: [] as Array<number>
        }
        for (let r = 0; r <= runs; r++) {
          const [text, read] = time(() => fs.readFileSync(file, "utf8"))
          const [parsed, parse] = time(() => parseText(text))
          const [checked, check] = time(() => Check.check(parsed.ast, { file, here: dir, broken: parsed.broken }))
          const [program, compile] = time(() => Compile.compile(checked.model, { file, text }))
          const diagnostics = [...parsed.diagnostics, ...checked.diagnostics]
          if (Diagnostic.hasErrors(diagnostics) || program._tag === "Left") {
            throw new Error(`the generated file does not compile:\n${Diagnostic.formatAll(diagnostics, text, file)}`)
          }
          if (r === 0) continue // warm-up
          samples.read.push(read)
          samples.parse.push(parse)
          samples.check.push(check)
          samples.compile.push(compile)
        }
        const text = fs.readFileSync(file, "utf8")
        const totals = samples.parse.map((p, k) => p + samples.check[k]! + samples.compile[k]!)
        rows.push({
          shape,
          learners: n,
          lines: text.split("\n").length - 1,
          kib: Math.round(Buffer.byteLength(text) / 102.4) / 10,
          readMs: median(samples.read),
          parseMs: median(samples.parse),
          checkMs: median(samples.check),
          compileMs: median(samples.compile),
          totalMs: median(totals),
          bestTotalMs: Math.min(...totals)
        })
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return { initMs, rows }
}

/** The rows as a text table. */
export const formatDslBench = (result: Awaited<ReturnType<typeof runDslBench>>): string => {
  const f = (x: number) => x.toFixed(2)
  const header = [
    "shape",
    "learners",
    "lines",
    "KiB",
    "read ms",
    "parse ms",
    "check ms",
    "compile ms",
    "total ms",
    "best ms"
  ]
  const body = result.rows.map((r) => [
    r.shape,
    String(r.learners),
    String(r.lines),
    r.kib.toFixed(1),
    f(r.readMs),
    f(r.parseMs),
    f(r.checkMs),
    f(r.compileMs),
    f(r.totalMs),
    f(r.bestTotalMs)
  ])
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => row[k]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, k) => (k < 1 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join("  ")
  return [
    line(header),
    ...body.map(line),
    `init (lexer + parser construction, first parse): ${f(result.initMs)} ms; budget: 1,000 learners in < 250 ms total`,
    `machine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}, node ${process.version}`
  ].join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runDslBench()
  console.log(formatDslBench(result))
}
