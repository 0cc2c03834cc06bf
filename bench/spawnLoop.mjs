/**
 * One way of creating processes, timed in a process of its own (plain JavaScript, no framework, so
 * Node, Deno and Bun all run it). `bench/spawnOptions.ts` runs it for each option. Prints one JSON
 * line: `{ wallMs, blockedMs }`, `blockedMs` being the median time one spawn call held the calling
 * thread (the fork), where the method has such a call.
 *
 *   <runtime> bench/spawnLoop.mjs <method> <tasks> <concurrency> <heapMB> <dir>
 *
 * Methods: `spawn` (child_process.spawn on the main thread, output files opened per task),
 * `spawn-preopened` (the same with every output file opened before the clock starts), `helper` (a
 * long-lived small Node process, `spawnLoop.mjs serve`, spawning on request over a pipe), `worker`
 * (a worker thread spawning), `native` (Deno.Command or Bun.spawn). `heapMB` live objects are
 * allocated first: fork copies the page tables of the whole heap.
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as readline from "node:readline"

const argv = ["/bin/true"]

const median = (xs) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)])

// Kept reachable until the end, so the collector cannot shrink the heap under the measurement.
const ballast = []
const grow = (mb) => {
  const chunk = 10_000
  let i = 0
  while (process.memoryUsage().heapUsed < mb * 1024 * 1024) {
    const block = new Array(chunk)
    for (let j = 0; j < chunk; j++) block[j] = { i: i++, s: `ballast-${i}` }
    ballast.push(block)
  }
}

const pool = async (n, concurrency, f) => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await f(next++)
    })
  )
}

/** child_process.spawn with file descriptors; `fds` when the files were opened beforehand. */
const spawnTask = (dir, blocked, fds) => (i) =>
  new Promise((resolve, reject) => {
    const out = fds ? fds[i][0] : fs.openSync(`${dir}/${i}.out`, "w")
    const err = fds ? fds[i][1] : fs.openSync(`${dir}/${i}.err`, "w")
    const t0 = performance.now()
    const child = cp.spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ["ignore", out, err], detached: true })
    blocked.push(performance.now() - t0)
    fs.closeSync(out)
    fs.closeSync(err)
    child.on("error", reject)
    child.on("exit", () => resolve())
  })

/** The helper's side: one request a line (`id dir`), answered `id pid` then `id exit code`. */
const serve = () => {
  const lines = readline.createInterface({ input: process.stdin })
  const groups = new Set()
  lines.on("line", (line) => {
    const [id, dir] = line.split(" ")
    const out = fs.openSync(`${dir}/${id}.out`, "w")
    const err = fs.openSync(`${dir}/${id}.err`, "w")
    const child = cp.spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ["ignore", out, err], detached: true })
    fs.closeSync(out)
    fs.closeSync(err)
    groups.add(child.pid)
    process.stdout.write(`${id} pid ${child.pid}\n`)
    child.on("exit", (code) => {
      groups.delete(child.pid)
      process.stdout.write(`${id} exit ${code}\n`)
    })
  })
  // Its parent gone (stdin at its end): no task may outlive it.
  lines.on("close", () => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, "SIGKILL")
      } catch {}
    }
    process.exit(0)
  })
}

/**
 * Tasks sent to another thread or process as requests: `run` sends n, concurrency at a time, and
 * times them until each is settled (`settle(id)` when its answer comes); the wall time in ms.
 */
const requestPool = () => {
  const waiting = new Map()
  return {
    settle: (id) => {
      waiting.get(String(id))()
      waiting.delete(String(id))
    },
    run: async (n, concurrency, send) => {
      const t0 = performance.now()
      await pool(
        n,
        concurrency,
        (i) =>
          new Promise((resolve) => {
            waiting.set(String(i), resolve)
            send(i)
          })
      )
      return performance.now() - t0
    }
  }
}

const viaHelper = async (dir, n, concurrency) => {
  const helper = cp.spawn(process.execPath, ["--max-old-space-size=16", new URL(import.meta.url).pathname, "serve"], {
    stdio: ["pipe", "pipe", "inherit"]
  })
  const requests = requestPool()
  readline.createInterface({ input: helper.stdout }).on("line", (line) => {
    const [id, what] = line.split(" ")
    if (what === "exit") requests.settle(id)
  })
  // The helper's own start-up is paid once per run, like a rose run would.
  const wallMs = await requests.run(n, concurrency, (i) => helper.stdin.write(`${i} ${dir}\n`))
  helper.stdin.end()
  return wallMs
}

const workerSource = `
const { parentPort } = require("node:worker_threads")
const cp = require("node:child_process")
const fs = require("node:fs")
parentPort.on("message", ({ id, dir }) => {
  const out = fs.openSync(dir + "/" + id + ".out", "w")
  const err = fs.openSync(dir + "/" + id + ".err", "w")
  const child = cp.spawn("/bin/true", [], { cwd: dir, stdio: ["ignore", out, err], detached: true })
  fs.closeSync(out)
  fs.closeSync(err)
  child.on("exit", (code) => parentPort.postMessage({ id, code }))
})
`

const viaWorker = async (dir, n, concurrency) => {
  const { Worker } = await import("node:worker_threads")
  const worker = new Worker(workerSource, { eval: true })
  const requests = requestPool()
  worker.on("message", ({ id }) => requests.settle(id))
  const wallMs = await requests.run(n, concurrency, (i) => worker.postMessage({ id: i, dir }))
  await worker.terminate()
  return wallMs
}

/** Deno.Command has no file descriptors for output: piped, then copied to the file. */
const denoTask = (dir) => async (i) => {
  const child = new Deno.Command(argv[0], { args: argv.slice(1), cwd: dir, stdout: "piped", stderr: "piped" }).spawn()
  const out = await Deno.open(`${dir}/${i}.out`, { write: true, create: true, truncate: true })
  const err = await Deno.open(`${dir}/${i}.err`, { write: true, create: true, truncate: true })
  await Promise.all([child.stdout.pipeTo(out.writable), child.stderr.pipeTo(err.writable), child.status])
}

const bunTask = (dir) => async (i) => {
  const child = Bun.spawn(argv, { cwd: dir, stdout: Bun.file(`${dir}/${i}.out`), stderr: Bun.file(`${dir}/${i}.err`) })
  await child.exited
}

const main = async () => {
  const [method, tasksArg, concurrencyArg, heapArg, dir] = process.argv.slice(2)
  if (method === "serve") return serve()
  const n = Number(tasksArg)
  const concurrency = Number(concurrencyArg)
  grow(Number(heapArg))
  const blocked = []
  let wallMs
  if (method === "helper") wallMs = await viaHelper(dir, n, concurrency)
  else if (method === "worker") wallMs = await viaWorker(dir, n, concurrency)
  else {
    const fds =
      method === "spawn-preopened"
        ? Array.from({ length: n }, (_, i) => [
            fs.openSync(`${dir}/${i}.out`, "w"),
            fs.openSync(`${dir}/${i}.err`, "w")
          ])
        : undefined
    const task =
      method === "native"
        ? globalThis.Deno !== undefined
          ? denoTask(dir)
          : globalThis.Bun !== undefined
            ? bunTask(dir)
            : undefined
        : spawnTask(dir, blocked, fds)
    if (task === undefined) throw new Error(`${method}: not a method of this runtime`)
    const t0 = performance.now()
    await pool(n, concurrency, task)
    wallMs = performance.now() - t0
  }
  process.stdout.write(
    `${JSON.stringify({ wallMs, blockedMs: median(blocked), heapMb: ballast.length > 0 ? Math.round(process.memoryUsage().heapUsed / 2 ** 20) : 0 })}\n`
  )
}

await main()
