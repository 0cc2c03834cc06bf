// Start-up of one or more builds of the `rose` bin side by side with `node -e 0`, in interleaved
// rounds (a change in the machine's load hits every command alike). Run from the repository root:
//
//   node bench/startup.mjs <rounds> <name>=<path to rose.js> [<name>=<path> …]
//
// Prints a Markdown table: median, min–max and the median over the floor's, per command.
import { spawnSync } from "node:child_process"
import { loadavg } from "node:os"

const rounds = Number(process.argv[2] ?? 10)
const bins = process.argv.slice(3).map((a) => a.split("="))
const commands = { "node -e 0": ["-e", "0"] }
for (const [name, bin] of bins) {
  commands[`${name} --version`] = [bin, "--version"]
  commands[`${name} --help`] = [bin, "--help"]
  commands[`${name} check`] = [bin, "check", "examples/parallel-learners/static.rose"]
}
const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
for (let r = 0; r < rounds; r++) {
  for (const [k, args] of Object.entries(commands)) {
    const t0 = performance.now()
    const p = spawnSync(process.execPath, args, { stdio: "ignore" })
    samples[k].push(performance.now() - t0)
    if (p.status !== 0) throw new Error(`${k} exited ${p.status}`)
  }
}
const at = (xs, f) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * f)]
const floor = at(samples["node -e 0"], 0.5)
console.log("| command | median ms | min–max ms | over node -e 0 |\n| --- | --- | --- | --- |")
for (const [k, xs] of Object.entries(samples)) {
  console.log(
    `| ${k} | ${at(xs, 0.5).toFixed(0)} | ${at(xs, 0).toFixed(0)}–${at(xs, 1).toFixed(0)} | ${(at(xs, 0.5) - floor).toFixed(0)} |`
  )
}
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}, ${rounds} rounds, node ${process.version}`
)
