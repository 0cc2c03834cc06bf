/**
 * A language client as small as an editor's transport: starts `rose lsp`, writes JSON-RPC messages
 * with `Content-Length` framing to its stdin, reads the framed replies from its stdout (every byte
 * of which must be protocol: anything else fails `protocolErrors`), matches responses to requests by
 * id and keeps notifications for `waitFor`.
 */
import * as ChildProcess from "node:child_process"

export interface Message {
  readonly jsonrpc: "2.0"
  readonly id?: number
  readonly method?: string
  readonly params?: any
  readonly result?: any
  readonly error?: { readonly code: number; readonly message: string }
}

export interface LspClient {
  readonly child: ChildProcess.ChildProcess
  readonly request: (method: string, params: unknown) => Promise<any>
  readonly notify: (method: string, params: unknown) => void
  /** The first notification (since the last call with this method) that satisfies `accept`. */
  readonly waitFor: (method: string, accept: (params: any) => boolean, timeoutMs?: number) => Promise<any>
  /** What stdout held that was not a framed message. */
  readonly protocolErrors: () => ReadonlyArray<string>
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

export const start = (command: string, args: ReadonlyArray<string>, options: { readonly cwd?: string } = {}) => {
  const child = ChildProcess.spawn(command, [...args], { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] })
  let buffer = Buffer.alloc(0)
  let stderr = ""
  const errors: Array<string> = []
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  const notifications: Array<Message> = []
  const waiters: Array<() => void> = []
  let nextId = 1
  const onMessage = (m: Message) => {
    if (m.id !== undefined && m.method === undefined) {
      const p = pending.get(m.id)
      pending.delete(m.id)
      if (m.error !== undefined) p?.reject(new Error(`${m.error.code}: ${m.error.message}`))
      else p?.resolve(m.result)
    } else if (m.id !== undefined && m.method !== undefined) {
      // a request from the server (workspace/configuration and the like): answer with nothing
      write({ jsonrpc: "2.0", id: m.id, result: null })
    } else {
      notifications.push(m)
      for (const w of waiters.splice(0)) w()
    }
  }
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    for (;;) {
      const headerEnd = buffer.indexOf("\r\n\r\n")
      if (headerEnd < 0) return
      const header = buffer.subarray(0, headerEnd).toString("ascii")
      const length = /^Content-Length: (\d+)$/im.exec(header)
      if (length === null || !header.startsWith("Content-Length:")) {
        errors.push(buffer.toString("utf8"))
        buffer = Buffer.alloc(0)
        return
      }
      const size = Number(length[1])
      if (buffer.length < headerEnd + 4 + size) return
      const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + size).toString("utf8")
      buffer = buffer.subarray(headerEnd + 4 + size)
      onMessage(JSON.parse(body) as Message)
    }
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const write = (m: Message) => {
    const body = Buffer.from(JSON.stringify(m), "utf8")
    child.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`)
    child.stdin!.write(body)
  }
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const client: LspClient = {
    child,
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        write({ jsonrpc: "2.0", id, method, params })
      }),
    notify: (method, params) => write({ jsonrpc: "2.0", method, params }),
    waitFor: (method, accept, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${method} within ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs
        )
        const look = () => {
          const k = notifications.findIndex((n) => n.method === method && accept(n.params))
          if (k >= 0) {
            clearTimeout(timer)
            const [found] = notifications.splice(0, k + 1).slice(-1)
            resolve(found!.params)
          } else waiters.push(look)
        }
        look()
      }),
    protocolErrors: () => errors,
    stderr: () => stderr,
    exited
  }
  return client
}
