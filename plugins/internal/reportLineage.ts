/**
 * The report's PBT lineage: for each learner block whose learners exploited others, a chart of the
 * learners over iterations with an arrow for every copy (from the source at the period to the
 * learner going on from it), a table of the copies with the values they changed, and, per learner,
 * the learners its state descends from. Read from the journal's `exploited` events, the ones a
 * resumed run replays, so the view shows the decisions as they were made.
 *
 * @since 0.3.0
 */
import type * as Event from "../../core/Event.ts"
import type * as Json from "../../core/Json.ts"
import { type Input, type LearnerModel, label } from "./reportModel.ts"
import { colorAt, escapeHtml, num } from "./svg.ts"

type Exploit = Extract<Event.Event, { _tag: "exploited" }>

const shown = (v: Json.Json | undefined): string =>
  typeof v === "number" ? num(v) : typeof v === "string" ? v : JSON.stringify(v ?? null)

/** `learning_rate 0.1 → 0.08, n_labeled 50 → 100` */
const changesText = (e: Exploit): string =>
  Object.keys(e.to)
    .map((k) => `${k} ${shown(e.from[k])} → ${shown(e.to[k])}`)
    .join(", ")

/**
 * Where a learner's state came from at the end: its own start, or, through its copies, the learner
 * whose start it carries, with every hop (`b[3] ← b[1] at 2 ← b[0] at 5`, latest first).
 */
const ancestry = (learner: string, byLearner: Map<string, ReadonlyArray<Exploit>>): ReadonlyArray<Exploit> => {
  const hops: Array<Exploit> = []
  let at = learner
  let before = Number.POSITIVE_INFINITY
  // each hop goes back to an earlier period, so the walk ends
  while (true) {
    const copy = byLearner.get(at)?.findLast((e) => e.iteration < before)
    if (copy === undefined) return hops
    hops.push(copy)
    at = label(copy.source)
    // the source's snapshot at the period predates any copy it made there
    before = copy.iteration
  }
}

const chart = (members: ReadonlyArray<LearnerModel>, exploits: ReadonlyArray<Exploit>): string => {
  const last = Math.max(1, ...members.map((l) => l.iterations), ...exploits.map((e) => e.iteration + 1))
  const left = 90
  const right = 20
  const top = 16
  const rowH = 22
  const width = Math.max(420, left + right + 44 * last)
  const height = top + rowH * members.length + 28
  const x = (iteration: number) => left + ((width - left - right) * iteration) / last
  const rowOf = new Map(members.map((l, k) => [l.label, k]))
  const y = (label: string) => top + rowH * (rowOf.get(label) ?? 0) + rowH / 2
  const lanes = members
    .map((l, k) => {
      const yy = y(l.label)
      const end = x(Math.max(l.iterations, 0))
      return `<text class="lane-label" x="${left - 8}" y="${yy + 4}" text-anchor="end">${escapeHtml(l.label)}</text><line class="lane-line" x1="${left}" y1="${yy}" x2="${end}" y2="${yy}" stroke="${colorAt(k, members.length)}"/>`
    })
    .join("")
  const arrows = exploits
    .filter((e) => rowOf.has(label(e.learner)) && rowOf.has(label(e.source)))
    .map((e) => {
      const x1 = x(e.iteration + 1)
      const y1 = y(label(e.source))
      const y2 = y(label(e.learner))
      const color = colorAt(rowOf.get(label(e.source))!, members.length)
      const mid = x1 + 14
      return `<path class="copy" data-learner="${escapeHtml(label(e.learner))}" data-source="${escapeHtml(label(e.source))}" data-iteration="${e.iteration}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x1 + 18},${y2}" stroke="${color}" marker-end="url(#lineage-arrow)"><title>${escapeHtml(e.reason)}</title></path>`
    })
    .join("")
  const ticks = Array.from({ length: last + 1 }, (_, i) => i)
    .filter((i) => last <= 20 || i % Math.ceil(last / 20) === 0)
    .map((i) => `<text x="${x(i)}" y="${height - 8}" text-anchor="middle">${i}</text>`)
    .join("")
  return `<svg class="lineage" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="lineage"><defs><marker id="lineage-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#5d6677"/></marker></defs>${lanes}${arrows}${ticks}</svg>`
}

const blockCard = (name: string, members: ReadonlyArray<LearnerModel>, exploits: ReadonlyArray<Exploit>): string => {
  const byLearner = new Map<string, Array<Exploit>>()
  for (const e of exploits) {
    const key = label(e.learner)
    const copies = byLearner.get(key)
    if (copies === undefined) byLearner.set(key, [e])
    else copies.push(e)
  }
  const rows = exploits
    .map(
      (e) =>
        `<tr data-learner="${escapeHtml(label(e.learner))}" data-source="${escapeHtml(label(e.source))}" data-iteration="${e.iteration}"><td>${e.iteration}</td><td><b>${escapeHtml(label(e.learner))}</b></td><td>${escapeHtml(label(e.source))}</td><td>${escapeHtml(`${e.metricName} ${num(e.metricValue)} → ${num(e.sourceValue)}`)}<br><span class="muted">rank ${e.rank} of ${e.of}</span></td><td><code>${escapeHtml(changesText(e))}</code></td></tr>`
    )
    .join("")
  const descent = members
    .map((l) => {
      const hops = ancestry(l.label, byLearner)
      const chain =
        hops.length === 0
          ? '<span class="muted">its own</span>'
          : hops.map((h) => `← ${escapeHtml(label(h.source))} <span class="muted">at ${h.iteration}</span>`).join(" ")
      return `<tr data-learner="${escapeHtml(l.label)}" data-origin="${escapeHtml(hops.length === 0 ? l.label : label(hops.at(-1)!.source))}"><td><b>${escapeHtml(l.label)}</b>${l.point === undefined ? "" : ` <span class="muted">${escapeHtml(l.point)}</span>`}</td><td>${chain}</td></tr>`
    })
    .join("")
  const legend =
    '<p class="muted legend">A lane per learner, over iterations (from 0). An arrow is a copy: at the end of a period the learner took the source\'s working folder and configuration, with the listed values perturbed, and went on from there (hover for why).</p>'
  return `<div class="card lineage" data-block="${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${legend}<div class="scroll">${chart(members, exploits)}</div><div class="scroll"><table class="copies"><thead><tr><th>after iteration</th><th>learner</th><th>copied</th><th>metric (its → source's)</th><th>changed</th></tr></thead><tbody>${rows}</tbody></table></div><div class="scroll"><table class="descent"><thead><tr><th>learner</th><th>state descends from</th></tr></thead><tbody>${descent}</tbody></table></div></div>`
}

/** The "Lineage" section: one card per block whose learners copied others; nothing otherwise. */
export const lineageSection = (input: Input, learners: ReadonlyArray<LearnerModel>): string => {
  const byBlock = new Map<string, Array<Exploit>>()
  for (const e of input.events) {
    if (e._tag !== "exploited") continue
    const exploits = byBlock.get(e.learner.name)
    if (exploits === undefined) byBlock.set(e.learner.name, [e])
    else exploits.push(e)
  }
  if (byBlock.size === 0) return ""
  const cards = [...byBlock].map(([name, exploits]) =>
    blockCard(
      name,
      learners.filter((l) => l.name === name),
      exploits
    )
  )
  return `<h2>Lineage</h2>${cards.join("")}`
}
