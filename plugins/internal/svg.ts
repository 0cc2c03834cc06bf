/** Inline SVG charts for the HTML report: line charts of metrics and a timeline of tasks. */

/** Escapes text for HTML and SVG (content and attribute values). */
export const escapeHtml = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")

/** A categorical palette that stays readable on white. */
export const palette: ReadonlyArray<string> = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
  "#ff9da7",
  "#bab0ac"
]

const hex = (h: number, s: number, l: number): string => {
  const a = s * Math.min(l, 1 - l)
  const f = (n: number) => {
    const k = (n + h / 30) % 12
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return Math.round(255 * c)
      .toString(16)
      .padStart(2, "0")
  }
  return `#${f(0)}${f(8)}${f(4)}`
}

/**
 * The colour of series `i` of `count`: the palette while it suffices; past it, hues a golden angle
 * apart (neighbours far apart on the wheel) in three lightnesses, so no two of the series share one.
 */
export const colorAt = (i: number, count = palette.length): string => {
  if (count <= palette.length) return palette[((i % palette.length) + palette.length) % palette.length]!
  return hex((i * 137.508) % 360, 0.68, [0.4, 0.52, 0.3][i % 3]!)
}

/** Marker shapes that, with the colours, keep many overlaid series apart. */
export const shapes = ["circle", "square", "triangle", "diamond"] as const

/** A marker shape. */
export type Shape = (typeof shapes)[number]

/** A data point's marker, its value as its tooltip (class `point`, `data-shape` its shape). */
const marker = (
  shape: Shape,
  cx: number,
  cy: number,
  r: number,
  color: string,
  title: string,
  cls = "point"
): string => {
  const tip = `<title>${escapeHtml(title)}</title>`
  const common = `class="${cls}" data-shape="${shape}" fill="${color}"`
  switch (shape) {
    case "circle":
      return `<circle ${common} cx="${round(cx)}" cy="${round(cy)}" r="${r}">${tip}</circle>`
    case "square":
      return `<rect ${common} x="${round(cx - r)}" y="${round(cy - r)}" width="${2 * r}" height="${2 * r}">${tip}</rect>`
    case "triangle":
      return `<polygon ${common} points="${round(cx)},${round(cy - r * 1.2)} ${round(cx + r * 1.1)},${round(cy + r * 0.8)} ${round(cx - r * 1.1)},${round(cy + r * 0.8)}">${tip}</polygon>`
    case "diamond":
      return `<polygon ${common} points="${round(cx)},${round(cy - r * 1.3)} ${round(cx + r * 1.3)},${round(cy)} ${round(cx)},${round(cy + r * 1.3)} ${round(cx - r * 1.3)},${round(cy)}">${tip}</polygon>`
  }
}

const round = (n: number): string => String(Math.round(n * 100) / 100)

/** Short number text for axes and tooltips. */
export const num = (n: number): string => {
  if (!Number.isFinite(n)) return String(n)
  if (n === 0) return "0"
  const abs = Math.abs(n)
  if (abs < 1e-3 || abs >= 1e6) {
    const [m, e] = n.toExponential(2).split("e")
    return `${String(Number(m))}e${e!.replace("+", "")}`
  }
  return String(Number(n.toPrecision(4)))
}

/** About `count` round tick values covering [lo, hi]. */
export const niceTicks = (lo: number, hi: number, count = 5): ReadonlyArray<number> => {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return []
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo -= d
    hi += d
  }
  const raw = (hi - lo) / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const start = Math.ceil(lo / step - 1e-9) * step
  const ticks: Array<number> = []
  for (let v = start; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

interface Scale {
  readonly map: (v: number) => number
  readonly ticks: ReadonlyArray<number>
  readonly log: boolean
}

const yScale = (values: ReadonlyArray<number>, top: number, bottom: number): Scale => {
  const finite = values.filter(Number.isFinite)
  let lo = finite.length === 0 ? 0 : Math.min(...finite)
  let hi = finite.length === 0 ? 1 : Math.max(...finite)
  const log = finite.length > 1 && lo > 0 && hi / lo >= 100
  if (log) {
    const a = Math.floor(Math.log10(lo))
    const b = Math.ceil(Math.log10(hi))
    const ticks: Array<number> = []
    const stride = Math.max(1, Math.ceil((b - a) / 6))
    for (let e = a; e <= b; e += stride) ticks.push(10 ** e)
    const map = (v: number) =>
      bottom - ((Math.log10(Math.max(v, 10 ** a)) - a) / Math.max(1e-9, b - a)) * (bottom - top)
    return { map, ticks, log }
  }
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo -= d
    hi += d
  } else {
    const pad = (hi - lo) * 0.06
    lo -= pad
    hi += pad
  }
  const ticks = niceTicks(lo, hi)
  lo = Math.min(lo, ticks[0] ?? lo)
  hi = Math.max(hi, ticks.at(-1) ?? hi)
  return { map: (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top), ticks, log }
}

/** One line of a chart. */
export interface Series {
  readonly label: string
  readonly color: string
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>
  /** Its markers' shape (circles when omitted). */
  readonly shape?: Shape | undefined
  /** Drawn bolder and on top of the others (the best learners of an overlay). */
  readonly highlight?: boolean | undefined
}

export interface LineChartOptions {
  readonly width: number
  readonly height: number
  readonly className: string
  readonly attributes?: { readonly [name: string]: string }
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly threshold?: { readonly value: number; readonly label: string } | undefined
  /** Draws a legend of the series (for overlays). */
  readonly legend?: boolean
  /** The largest x the axis should show (e.g. max_iter - 1). */
  readonly xMax?: number | undefined
  /** What to say, a line each, when no series has a point (default: no metric values yet). */
  readonly empty?: ReadonlyArray<string> | undefined
  /** Marks the empty message as a failure's. */
  readonly emptyFailed?: boolean | undefined
}

/** The threshold's label, beside the plot at the line's height, as lines (`threshold`, `< 0.1`). */
const thresholdLines = (label: string): ReadonlyArray<string> => {
  const cut = label.indexOf(" ")
  return cut === -1 ? [label] : [label.slice(0, cut), label.slice(cut + 1)]
}

const textWidth = (text: string) => 6.4 * Array.from(text).length

/** A line chart of metric values against the iteration, with an optional threshold line. */
export const lineChart = (series: ReadonlyArray<Series>, o: LineChartOptions): string => {
  // The threshold's label goes in the right margin, beside its line and never on the data.
  const labelLines = o.threshold === undefined ? [] : thresholdLines(o.threshold.label)
  const right = labelLines.length === 0 ? 16 : 12 + Math.max(...labelLines.map(textWidth))
  const m = { left: 58, right, top: 18, bottom: 40 }
  const legendRows = o.legend === true ? Math.ceil(series.length / 4) : 0
  const height = o.height + legendRows * 18
  const plotBottom = o.height - m.bottom
  const xs = series.flatMap((s) => s.points.map((p) => p.x))
  const ys = series.flatMap((s) => s.points.map((p) => p.y))
  if (o.threshold !== undefined) ys.push(o.threshold.value)
  const xMax = Math.max(1, o.xMax ?? 0, ...xs)
  const x = (v: number) => m.left + (v / xMax) * (o.width - m.left - m.right)
  const y = yScale(ys, m.top, plotBottom)
  const attrs = Object.entries(o.attributes ?? {})
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join("")
  const parts: Array<string> = []
  parts.push(
    `<svg class="${escapeHtml(o.className)}"${attrs} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${o.width} ${height}" width="${o.width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<title>${escapeHtml(o.title)}</title>`,
    `<rect class="plot-bg" x="${m.left}" y="${m.top}" width="${o.width - m.left - m.right}" height="${plotBottom - m.top}" />`
  )
  for (const t of y.ticks) {
    const ty = y.map(t)
    if (ty < m.top - 0.5 || ty > plotBottom + 0.5) continue
    parts.push(
      `<line class="grid" x1="${m.left}" x2="${o.width - m.right}" y1="${round(ty)}" y2="${round(ty)}" />`,
      `<text class="tick" x="${m.left - 6}" y="${round(ty + 4)}" text-anchor="end">${escapeHtml(num(t))}</text>`
    )
  }
  const xStep = Math.max(1, Math.ceil(xMax / 10))
  for (let t = 0; t <= xMax; t += xStep) {
    parts.push(
      `<line class="axis-tick" x1="${round(x(t))}" x2="${round(x(t))}" y1="${plotBottom}" y2="${plotBottom + 4}" />`,
      `<text class="tick" x="${round(x(t))}" y="${plotBottom + 16}" text-anchor="middle">${t}</text>`
    )
  }
  parts.push(
    `<line class="axis" x1="${m.left}" x2="${o.width - m.right}" y1="${plotBottom}" y2="${plotBottom}" />`,
    `<text class="axis-label" x="${(m.left + o.width - m.right) / 2}" y="${o.height - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${(m.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}${y.log ? " (log)" : ""}</text>`
  )
  if (o.threshold !== undefined) {
    const ty = round(y.map(o.threshold.value))
    parts.push(
      `<line class="threshold" x1="${m.left}" x2="${o.width - m.right}" y1="${ty}" y2="${ty}"><title>${escapeHtml(o.threshold.label)}</title></line>`,
      `<text class="threshold-label" x="${o.width - m.right + 6}" y="${round(Number(ty) - 2)}">${labelLines.map((t, i) => `<tspan x="${o.width - m.right + 6}" dy="${i === 0 ? 0 : 12}">${escapeHtml(t)}</tspan>`).join("")}</text>`
    )
  }
  // Highlighted series last, so they are drawn on top.
  const order = [...series].sort((a, b) => Number(a.highlight === true) - Number(b.highlight === true))
  for (const s of order) {
    if (s.points.length === 0) continue
    const d = s.points.map((p, i) => `${i === 0 ? "M" : "L"}${round(x(p.x))} ${round(y.map(p.y))}`).join(" ")
    // A lone point has no line to show it: its marker is drawn larger.
    const r = s.points.length === 1 ? 5 : 3
    parts.push(
      `<g class="series${s.highlight === true ? " highlight" : ""}" data-series="${escapeHtml(s.label)}" data-color="${s.color}">`,
      `<path class="line" d="${d}" stroke="${s.color}" />`,
      ...s.points.map((p) =>
        marker(s.shape ?? "circle", x(p.x), y.map(p.y), r, s.color, `${s.label} · iteration ${p.x}: ${num(p.y)}`)
      ),
      "</g>"
    )
  }
  if (series.every((s) => s.points.length === 0)) {
    const lines = o.empty ?? ["no metric values yet"]
    // Above the middle, where a lone threshold line would be drawn.
    const cy = m.top + 24
    parts.push(
      `<text class="empty${o.emptyFailed === true ? " failed" : ""}" x="${(m.left + o.width - m.right) / 2}" y="${round(cy)}" text-anchor="middle">${lines.map((t, i) => `<tspan x="${(m.left + o.width - m.right) / 2}" dy="${i === 0 ? 0 : 16}">${escapeHtml(t)}</tspan>`).join("")}</text>`
    )
  }
  if (o.legend === true) {
    series.forEach((s, i) => {
      const lx = m.left + (i % 4) * ((o.width - m.left) / 4)
      const ly = o.height + Math.floor(i / 4) * 18 + 4
      parts.push(
        `<g class="legend-item">${marker(s.shape ?? "square", lx + 6, ly + 6, 5, s.color, s.label, "swatch")}<text x="${round(lx + 17)}" y="${ly + 10}">${escapeHtml(s.label)}</text></g>`
      )
    })
  }
  parts.push("</svg>")
  return parts.join("")
}

/** One bar of the timeline. */
export interface Span {
  readonly lane: number
  readonly start: number
  readonly end: number
  readonly color: string
  readonly label: string
  readonly failed: boolean
  readonly unfinished: boolean
}

export interface TimelineOptions {
  readonly width: number
  readonly lanes: ReadonlyArray<string>
  readonly title: string
  /** Total duration shown (ms). */
  readonly duration: number
  readonly legend: ReadonlyArray<{ readonly label: string; readonly color: string }>
}

/** Tasks as bars on one lane per learner, against the time since the run started. */
export const timeline = (spans: ReadonlyArray<Span>, o: TimelineOptions): string => {
  const labelWidth = Math.min(180, 24 + 7 * Math.max(6, ...o.lanes.map((l) => l.length)))
  const m = { left: labelWidth, right: 16, top: 10, bottom: 34 }
  const laneH = 24
  const plotBottom = m.top + laneH * o.lanes.length
  const legendY = plotBottom + m.bottom
  const height = legendY + 22
  const total = Math.max(1, o.duration)
  const x = (t: number) => m.left + (Math.max(0, Math.min(total, t)) / total) * (o.width - m.left - m.right)
  const parts: Array<string> = [
    `<svg class="chart timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${o.width} ${height}" width="${o.width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<title>${escapeHtml(o.title)}</title>`
  ]
  o.lanes.forEach((lane, i) => {
    const ly = m.top + i * laneH
    parts.push(
      `<rect class="${i % 2 === 0 ? "lane" : "lane alt"}" x="${m.left}" y="${ly}" width="${o.width - m.left - m.right}" height="${laneH}" />`,
      `<text class="lane-label" x="${m.left - 8}" y="${ly + laneH / 2 + 4}" text-anchor="end">${escapeHtml(lane)}</text>`
    )
  })
  const seconds = total / 1000
  for (const t of niceTicks(0, seconds, 8)) {
    if (t < 0 || t > seconds) continue
    const tx = round(x(t * 1000))
    parts.push(
      `<line class="grid" x1="${tx}" x2="${tx}" y1="${m.top}" y2="${plotBottom}" />`,
      `<text class="tick" x="${tx}" y="${plotBottom + 14}" text-anchor="middle">${escapeHtml(num(t))}s</text>`
    )
  }
  for (const s of spans) {
    const x0 = x(s.start)
    const w = Math.max(1.5, x(s.end) - x0)
    const ly = m.top + s.lane * laneH + 4
    const cls = `bar${s.failed ? " failed" : ""}${s.unfinished ? " unfinished" : ""}`
    parts.push(
      `<rect class="${cls}" x="${round(x0)}" y="${ly}" width="${round(w)}" height="${laneH - 8}" rx="2" fill="${s.color}"><title>${escapeHtml(s.label)}</title></rect>`
    )
  }
  parts.push(
    `<text class="axis-label" x="${(m.left + o.width - m.right) / 2}" y="${plotBottom + 30}" text-anchor="middle">seconds since the run started</text>`
  )
  let lx = m.left
  for (const item of o.legend) {
    parts.push(
      `<g class="legend-item"><rect x="${lx}" y="${legendY + 4}" width="12" height="12" rx="2" fill="${item.color}" /><text x="${lx + 17}" y="${legendY + 14}">${escapeHtml(item.label)}</text></g>`
    )
    lx += 30 + 7 * item.label.length
  }
  parts.push("</svg>")
  return parts.join("")
}
