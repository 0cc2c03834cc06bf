/**
 * The embed-service example, tested as its users meet it: the service runs as its own process
 * (`node --import tsx examples/embed-service/main.ts`) and the tests talk to it with real HTTP
 * requests. A run streams its iteration states as Server-Sent Events, each with the seq of its run
 * event as its id, and ends with its results; a client that reconnects with Last-Event-ID gets the
 * rest and loses nothing; bad input is refused before anything runs; a run whose client disconnects
 * and does not come back is stopped and its processes die (checked by pid); shutting the service
 * down interrupts the runs in progress.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isAlive, waitForFile, waitGone } from "../support/processes.ts"

const root = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "../../..")
const main = Path.join(root, "examples/embed-service/main.ts")

interface Service {
  readonly process: ChildProcess.ChildProcess
  readonly url: URL
  readonly runsDir: string
  readonly output: () => string
}

/** Starts the service on a free port and waits until it says where it listens. */
const startService = async (): Promise<Service> => {
  const runsDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "rose-embed-runs-"))
  const child = ChildProcess.spawn(process.execPath, ["--import", "tsx", main], {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      ROSE_EMBED_RUNS: runsDir,
      ROSE_EMBED_RECONNECT_MS: "5000",
      NO_COLOR: "1"
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d))
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d))
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/\S+)/.exec(output)
    if (m !== null) return { process: child, url: new URL(m[1]!), runsDir, output: () => output }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill("SIGKILL")
  throw new Error(`the service did not start:\n${output}`)
}

interface SseEvent {
  readonly id: number | undefined
  readonly event: string
  readonly data: any
}

interface Response {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly events: Array<SseEvent>
  readonly body: () => string
  /** Resolves when the server ends the response (or the connection closes). */
  readonly ended: Promise<void>
  readonly waitFor: (predicate: (e: SseEvent) => boolean, seconds?: number) => Promise<SseEvent>
  /** Disconnects: destroys the request and its socket. */
  readonly disconnect: () => void
}

/**
 * Sends a request with a fresh connection (no keep-alive) and parses the Server-Sent Events of its
 * response as they arrive.
 */
const request = (
  service: Service,
  path: string,
  options: { readonly method: "GET" | "POST"; readonly body?: string; readonly lastEventId?: number }
): Promise<Response> =>
  new Promise((resolve, reject) => {
    const body = options.body ?? ""
    const request = Http.request(new URL(path, service.url), {
      method: options.method,
      agent: false,
      headers: {
        "content-type": "text/plain",
        "content-length": Buffer.byteLength(body),
        ...(options.lastEventId === undefined ? {} : { "last-event-id": String(options.lastEventId) })
      }
    })
    request.on("error", reject)
    request.on("response", (res) => {
      const events: Array<SseEvent> = []
      let text = ""
      let pending = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        text += chunk
        pending += chunk
        let at = pending.indexOf("\n\n")
        while (at >= 0) {
          const block = pending.slice(0, at)
          pending = pending.slice(at + 2)
          const id = /^id: (.*)$/m.exec(block)?.[1]
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) {
            events.push({ id: id === undefined ? undefined : Number(id), event, data: JSON.parse(data) })
          }
          at = pending.indexOf("\n\n")
        }
      })
      const ended = new Promise<void>((done) => {
        res.on("end", done)
        res.on("close", done)
        res.on("error", () => done())
      })
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        body: () => text,
        ended,
        waitFor: async (predicate, seconds = 60) => {
          const deadline = Date.now() + seconds * 1000
          while (Date.now() < deadline) {
            const found = events.find(predicate)
            if (found !== undefined) return found
            await new Promise((r) => setTimeout(r, 25))
          }
          throw new Error(`no such event within ${seconds} s; got ${JSON.stringify(events.map((e) => e.event))}`)
        },
        disconnect: () => {
          res.destroy()
          request.destroy()
        }
      })
    })
    request.end(body)
  })

const post = (service: Service, path: string, body: string) => request(service, path, { method: "POST", body })

const get = (service: Service, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    Http.get(new URL(path, service.url), { agent: false }, (res) => {
      let body = ""
      res.setEncoding("utf8").on("data", (d: string) => (body += d))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    }).on("error", reject)
  })

/** Two learners whose tasks record their pid and a background child's pid, then wait for 5 minutes. */
const slowProgram = `
active "slow" {
  parallel 2
  max_iter 3
  training     = shell "echo $$ >> \\"$ROSE_RUN_DIR/pids\\"; sleep 300 & echo $! >> \\"$ROSE_RUN_DIR/pids\\"; wait"
  active_learn = exec "true"
}
`

const pidsOf = async (runDir: string, count: number): Promise<Array<number>> => {
  const text = await waitForFile(`${runDir}/pids`, (t) => t.trim().split(/\s+/).length >= count, 60)
  return text
    .trim()
    .split(/\s+/)
    .map((s) => Number(s))
}

const runDirs = (service: Service) => Fs.readdirSync(service.runsDir)

describe("embed-service example", () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })

  afterAll(async () => {
    if (service === undefined) return
    if (service.process.exitCode === null && service.process.signalCode === null) service.process.kill("SIGKILL")
    Fs.rmSync(service.runsDir, { recursive: true, force: true })
  })

  it("streams each iteration state as an event, then the results", async () => {
    const text = Fs.readFileSync(Path.join(root, "examples/embed-service/demo.rose"), "utf8")
    const response = await post(service, "/runs?name=demo.rose", text)
    expect(response.status).toBe(200)
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/)
    await response.ended
    const names = response.events.map((e) => e.event)
    expect(names[0]).toBe("started")
    // Each event's id is the seq of the run's event it comes from: 0 for run_started, then rising.
    const ids = response.events.map((e) => e.id!)
    expect(ids[0]).toBe(0)
    expect(ids.every((id, k) => Number.isInteger(id) && (k === 0 || id > ids[k - 1]!))).toBe(true)
    expect(names.at(-1)).toBe("finished")
    const iterations = response.events.filter((e) => e.event === "iteration").map((e) => e.data)
    // The metric falls by 0.1 (learner 0) or 0.2 (learner 1) per iteration and must drop below 0.2.
    const byLearner = (id: number) => iterations.filter((s) => s.learnerId === id)
    expect(byLearner(0).map((s) => s.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect(byLearner(1).map((s) => s.iteration)).toEqual([0, 1, 2, 3, 4])
    expect(byLearner(1).at(-1)).toMatchObject({ shouldStop: true, stopReason: "criterion_met", metricValue: 0 })
    expect(byLearner(0)[2]).toMatchObject({ metricName: "mse", metricValue: 0.7, metricHistory: [0.9, 0.8, 0.7] })
    expect(byLearner(0)[0].state.training.trained_at_iteration).toBe(0)
    const results = response.events.at(-1)!.data
    expect(results.status).toBe("completed")
    expect(results.learners.map((l: any) => [l.index, l.stopReason, l.iterations])).toEqual([
      [0, "criterion_met", 9],
      [1, "criterion_met", 5]
    ])
    const started = response.events[0]!.data
    expect(JSON.parse(Fs.readFileSync(`${started.runDir}/results.json`, "utf8")).runId).toBe(started.runId)
  })

  it("a client that reconnects with Last-Event-ID gets the rest of the run and loses nothing", async () => {
    const program = `
active "steady" {
  parallel 2
  max_iter 6
  training     = shell "sleep 0.3"
  active_learn = exec "true"
  criterion    = shell "echo 0.5"
  stop when mse < 0.1
}
`
    const first = await post(service, "/runs?name=steady.rose", program)
    const started = await first.waitFor((e) => e.event === "started")
    await first.waitFor((e) => e.event === "iteration")
    first.disconnect()
    await first.ended
    const received = [...first.events]
    const lastId = received.at(-1)!.id!
    const { runId, runDir } = started.data
    // The run goes on without a client: wait until it has completed iterations the client did not get.
    const iterationSeqs = (text: string) =>
      text
        .split("\n")
        .filter((line) => line.includes('"type":"iteration_completed"'))
        .map((line) => JSON.parse(line).seq as number)
    await waitForFile(`${runDir}/events.jsonl`, (t) => iterationSeqs(t).filter((seq) => seq > lastId).length >= 2, 60)

    const second = await request(service, `/runs/${runId}/events`, { method: "GET", lastEventId: lastId })
    expect(second.status).toBe(200)
    await second.ended
    const all = [...received, ...second.events]
    const ids = all.map((e) => e.id!)
    expect(ids.every((id, k) => k === 0 || id > ids[k - 1]!)).toBe(true)
    expect(second.events[0]!.id).toBeGreaterThan(lastId)
    // Every iteration of the journal, once, in order, and the metric history carried across the gap.
    const journal = Fs.readFileSync(`${runDir}/events.jsonl`, "utf8")
    const iterations = all.filter((e) => e.event === "iteration")
    expect(iterations.map((e) => e.id)).toEqual(iterationSeqs(journal))
    for (const index of [0, 1]) {
      const mine = iterations.filter((e) => e.data.learnerId === index).map((e) => e.data)
      expect(mine.map((s) => s.iteration)).toEqual([0, 1, 2, 3, 4, 5])
      expect(mine.at(-1)!.metricHistory).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    }
    const finished = all.at(-1)!
    expect(finished.event).toBe("finished")
    expect(finished.data.status).toBe("completed")
    expect(finished.data.learners.map((l: any) => l.stopReason)).toEqual(["max_iter", "max_iter"])
    // Without Last-Event-ID, the same run from its first event.
    const again = await request(service, `/runs/${runId}/events`, { method: "GET" })
    await again.ended
    expect(again.events.map((e) => [e.id, e.event])).toEqual(all.map((e) => [e.id, e.event]))
    const unknown = await request(service, "/runs/no-such-run/events", { method: "GET" })
    await unknown.ended
    expect(unknown.status).toBe(404)
  })

  it("refuses a program with errors, with its diagnostics, and runs nothing", async () => {
    const before = runDirs(service)
    const response = await post(
      service,
      "/runs?name=bad.rose",
      'active "a" {\n  max_iter 2\n  trainng = exec "true"\n}\n'
    )
    await response.ended
    expect(response.status).toBe(400)
    const body = JSON.parse(response.body())
    expect(body.error).toBe("invalid program")
    expect(body.message).toMatch(/bad\.rose:\d+:\d+ error\[E\d+\]/)
    expect(body.diagnostics.length).toBeGreaterThan(0)
    const plugin = await post(
      service,
      "/runs?name=plugin.rose",
      'plugin "./x.ts"\nactive "a" {\n  max_iter 1\n  training = exec "true"\n  active_learn = exec "true"\n}\n'
    )
    await plugin.ended
    expect(plugin.status).toBe(400)
    expect(runDirs(service)).toEqual(before)
  })

  it("stops the run and kills its processes when the client disconnects and does not come back", async () => {
    const response = await post(service, "/runs?name=slow.rose", slowProgram)
    expect(response.status).toBe(200)
    const started = await response.waitFor((e) => e.event === "started")
    // Two learners, each task a shell and its background sleep.
    const pids = await pidsOf(started.data.runDir, 4)
    expect(pids.every(isAlive)).toBe(true)
    response.disconnect()
    expect(await waitGone(pids, 30)).toEqual([])
    const results = JSON.parse(await waitForFile(`${started.data.runDir}/results.json`, () => true, 30))
    expect(results.learners.map((l: any) => l.stopReason)).toEqual(["stopped", "stopped"])
    // The service lives on.
    expect(await get(service, "/health")).toEqual({ status: 200, body: "ok\n" })
  })

  it("interrupts the runs in progress when it shuts down, telling their clients", async () => {
    const response = await post(service, "/runs?name=slow.rose", slowProgram)
    const started = await response.waitFor((e) => e.event === "started")
    const pids = await pidsOf(started.data.runDir, 4)
    const exited = new Promise<number | null>((r) => service.process.once("exit", (code) => r(code)))
    service.process.kill("SIGTERM")
    const finished = await response.waitFor((e) => e.event === "finished", 60)
    expect(finished.data.status).toBe("interrupted")
    expect(finished.data.learners.map((l: any) => l.stopReason)).toEqual(["interrupted", "interrupted"])
    expect(await waitGone(pids, 30)).toEqual([])
    await exited
  })
})
