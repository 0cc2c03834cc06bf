/**
 * The report's rung chart: for each learner block with a population policy, which learners reached
 * each rung, their rank there and metric, and who was pruned where. Read from the journal's
 * `rung_reached` events, the same ones a resumed run rebuilds its rung tables from, so the chart
 * shows the decisions exactly as they were made.
 *
 * @since 0.3.0
 */
import * as Json from "../../core/Json.ts"
import * as Population from "../../core/Population.ts"
import * as Ranking from "../../core/Ranking.ts"
import type { Input, LearnerModel } from "./reportModel.ts"
import { reasonWord } from "./reportSections.ts"
import { escapeHtml, num } from "./svg.ts"

/** One learner's arrival at one rung, as `rung_reached` records it. */
interface Arrival {
  readonly rank: number
  readonly of: number
  readonly metricName: string
  readonly metricValue: number
  readonly pruned: boolean
  readonly reason: string
}

interface Block {
  readonly name: string
  /** The policy as `rose plan` words it, when `run.json` has it. */
  readonly policy: string | undefined
  readonly planned: ReadonlyArray<number>
  readonly metric: { readonly name: string; readonly operator: string; readonly threshold: number } | undefined
}

const numberOr = (value: Json.Json | undefined): number | undefined => (typeof value === "number" ? value : undefined)

/** The policy of a plan block (`{ asha: { every, rungs, keep } }`), as `Population` reads it. */
const policyOf = (population: Json.JsonObject): Population.Policy | undefined => {
  const asha = population.asha
  if (!Json.isObject(asha)) return undefined
  const rungs = Array.isArray(asha.rungs) ? asha.rungs.filter((r): r is number => typeof r === "number") : undefined
  return Population.asha({ every: numberOr(asha.every), rungs, keep: numberOr(asha.keep) })
}

/**
 * The blocks to chart: those whose plan has a population policy, and, for a run without `run.json`,
 * those the journal shows ranked at a rung (only a policy ranks learners).
 */
const blocksOf = (input: Input): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  for (const b of input.run?.plan.learners ?? []) {
    if (b.population === undefined) continue
    const policy = policyOf(b.population)
    const maxIter = b.maxIter ?? undefined
    blocks.push({
      name: b.name,
      policy: policy === undefined ? undefined : Population.describe(policy, maxIter),
      // without max_iter the planned rungs never end: the chart shows those reached
      planned: policy === undefined || maxIter === undefined ? [] : Population.rungsOf(policy, maxIter),
      metric:
        b.criterion === null
          ? undefined
          : { name: b.criterion.metric, operator: b.criterion.operator, threshold: b.criterion.threshold }
    })
  }
  if (input.run !== undefined) return blocks
  for (const e of input.events)
    if (e._tag === "rung_reached" && !blocks.some((b) => b.name === e.learner.name))
      blocks.push({ name: e.learner.name, policy: undefined, planned: [], metric: undefined })
  return blocks
}

const cell = (a: Arrival | undefined, label: string, iteration: number): string => {
  if (a === undefined) return '<td class="rung none"><span class="muted">·</span></td>'
  const data = `data-learner="${escapeHtml(label)}" data-iteration="${iteration}" data-rank="${a.rank}" data-of="${a.of}" data-pruned="${a.pruned}"`
  return `<td class="rung${a.pruned ? " pruned" : ""}" ${data} title="${escapeHtml(a.reason)}"><b>${a.rank}/${a.of}</b>${a.pruned ? ' <span class="cut">✗ pruned</span>' : ""}<br><span class="muted">${escapeHtml(`${a.metricName} ${num(a.metricValue)}`)}</span></td>`
}

const blockCard = (block: Block, learners: ReadonlyArray<LearnerModel>, input: Input): string => {
  const arrivals = new Map<string, Map<number, Arrival>>()
  for (const e of input.events) {
    if (e._tag !== "rung_reached" || e.learner.name !== block.name) continue
    const key = `${e.learner.name}[${e.learner.index}]`
    const byRung = arrivals.get(key) ?? new Map<number, Arrival>()
    // a rung's first record holds: a resumed run rebuilds its tables from it rather than ranking again
    if (!byRung.has(e.iteration)) byRung.set(e.iteration, e)
    arrivals.set(key, byRung)
  }
  const rungs = [...new Set([...block.planned, ...[...arrivals.values()].flatMap((m) => [...m.keys()])])].sort(
    (a, b) => a - b
  )
  const members = learners.filter((l) => l.name === block.name)
  const metric = block.metric ?? members.find((l) => l.metric !== undefined)?.metric
  const direction =
    metric === undefined || metric.operator === ""
      ? ""
      : `; ${metric.name}: ${Ranking.directionText(metric.name, metric.operator, metric.threshold)}`
  const title = `<h3>${escapeHtml(block.name)}${block.policy === undefined ? "" : ` <span class="muted">${escapeHtml(block.policy)}</span>`}</h3>`
  if (rungs.length === 0 || arrivals.size === 0)
    return `<div class="card rungs" data-block="${escapeHtml(block.name)}">${title}<p class="muted">No learner has reached a rung yet.</p></div>`
  // survivors first: the furthest rung reached, then the rank there, then the index
  const furthest = (l: LearnerModel) => {
    const byRung = arrivals.get(l.label)
    const last = byRung === undefined ? -1 : Math.max(-1, ...byRung.keys())
    return { last, rank: byRung?.get(last)?.rank ?? Number.POSITIVE_INFINITY }
  }
  const rows = [...members]
    .sort((a, b) => {
      const fa = furthest(a)
      const fb = furthest(b)
      return fb.last - fa.last || fa.rank - fb.rank || a.index - b.index
    })
    .map((l) => {
      const byRung = arrivals.get(l.label)
      const pruned = [...(byRung?.values() ?? [])].some((a) => a.pruned)
      return `<tr data-learner="${escapeHtml(l.label)}"${pruned ? ' class="pruned"' : ""}><td><b>${escapeHtml(l.label)}</b>${l.point === undefined ? "" : ` <span class="muted">${escapeHtml(l.point)}</span>`}</td>${rungs.map((r) => cell(byRung?.get(r), l.label, r)).join("")}<td><span class="badge r-${escapeHtml(l.stopReason ?? "running")}">${escapeHtml(reasonWord(l.stopReason))}</span></td></tr>`
    })
    .join("")
  const head = rungs
    .map((r) => {
      const here = [...arrivals.values()].flatMap((m) => {
        const a = m.get(r)
        return a === undefined ? [] : [a]
      })
      const cut = here.filter((a) => a.pruned).length
      return `<th data-iteration="${r}">iteration ${r}<br><span class="muted">${here.length} reached, ${cut} pruned</span></th>`
    })
    .join("")
  const legend = `<p class="muted legend">Columns are rungs, by iteration (from 0). A cell is the learner's rank among the learners that had reached the rung when it arrived (rank/of, 1 is the best) and its metric there${escapeHtml(direction)}. <span class="cut">✗ pruned</span>: the policy stopped it at this rung (hover for why); · it did not reach the rung.</p>`
  return `<div class="card rungs" data-block="${escapeHtml(block.name)}">${title}${legend}<div class="scroll"><table class="rungs" data-block="${escapeHtml(block.name)}"><thead><tr><th>learner</th>${head}<th>ended</th></tr></thead><tbody>${rows}</tbody></table></div></div>`
}

/** The "Rungs" section: one card per block with a population policy; nothing when there is none. */
export const rungsSection = (input: Input, learners: ReadonlyArray<LearnerModel>): string => {
  const blocks = blocksOf(input)
  if (blocks.length === 0) return ""
  return `<h2>Rungs</h2>${blocks.map((b) => blockCard(b, learners, input)).join("")}`
}
