/**
 * The SSH backend's host pool: each host's slots and connection state, the overall cap, and which
 * host a learner sticks to (a smooth weighted round robin over the hosts' slots, entered at a hash of
 * the learner's name, so each host gets learners in proportion to its slots).
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type * as Learner from "../../core/Learner.ts"
import * as Slots from "../../core/Slots.ts"
import type * as Spawner from "../../core/Spawner.ts"
import { type Config, type HostSpec, hostSpecs } from "./sshConfig.ts"

/** A running control master and the scope that holds it. */
export interface Master {
  readonly process: Spawner.Process
  readonly scope: Scope.CloseableScope
}

/** One host of the pool, as the backend keeps it. */
export interface HostState {
  readonly spec: HostSpec
  /** The control master's socket. */
  readonly socket: string
  readonly slots: Slots.Slots
  /** Held while the master is (re)started. */
  readonly lock: Effect.Semaphore
  master: Master | undefined
  watcher: Fiber.RuntimeFiber<void> | undefined
  connected: boolean
  /** Failed starts in a row, for the reconnect backoff. */
  failures: number
  /** No reconnect before this (Clock millis). */
  retryAt: number
  lastError: string
  /**
   * Control folders (`rose-ssh.<nonce>/<seq>`) of tasks whose kill could not be delivered (the
   * connection was down): killed on reconnect or release.
   */
  readonly orphans: Set<string>
  /** Control folders of an earlier process's tasks this layer re-attached to: removed at release. */
  readonly adopted: Set<string>
}

export interface Pool {
  readonly hosts: ReadonlyArray<HostState>
  readonly byLabel: ReadonlyMap<string, HostState>
  /** Tasks at once over all hosts, besides each host's slots. */
  readonly overall: Slots.Slots
  /** The host a learner's tasks run on. */
  readonly hostFor: (learner: Learner.LearnerRef) => HostState
}

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/** Smooth weighted round robin over the hosts' slots: each host appears in proportion to its slots. */
const weightedCycle = <H extends { readonly spec: HostSpec }>(hosts: ReadonlyArray<H>): ReadonlyArray<H> => {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  const divisor = hosts.reduce((acc, host) => gcd(acc, host.spec.slots), 0) || 1
  const weights = hosts.map((host) => host.spec.slots / divisor)
  const total = weights.reduce((a, b) => a + b, 0)
  const current = hosts.map(() => 0)
  const out: Array<H> = []
  for (let k = 0; k < total; k++) {
    let best = 0
    for (let i = 0; i < hosts.length; i++) {
      current[i]! += weights[i]!
      if (current[i]! > current[best]!) best = i
    }
    current[best]! -= total
    out.push(hosts[best]!)
  }
  return out
}

/** The pool of a configuration, with the control sockets in `controlDir`; nothing connected yet. */
export const make = (config: Config, controlDir: string): Pool => {
  const hosts: ReadonlyArray<HostState> = hostSpecs(config).map((spec) => ({
    spec,
    socket: `${controlDir}/h${spec.index}`,
    slots: Slots.make(spec.slots),
    lock: Effect.unsafeMakeSemaphore(1),
    master: undefined,
    watcher: undefined,
    connected: false,
    failures: 0,
    retryAt: 0,
    lastError: "",
    orphans: new Set(),
    adopted: new Set()
  }))
  const totalSlots = hosts.reduce((n, host) => n + host.slots.capacity, 0)
  const cycle = weightedCycle(hosts)
  return {
    hosts,
    byLabel: new Map(hosts.map((host) => [host.spec.label, host])),
    overall: Slots.make(Math.min(totalSlots, config.concurrency ?? totalSlots)),
    hostFor: (learner) => cycle[(fnv1a(learner.name) + learner.index) % cycle.length]!
  }
}
