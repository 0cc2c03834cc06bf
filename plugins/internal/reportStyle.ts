/** The style sheet of the HTML report, inlined into it: the report fetches nothing. */
export const css = `
:root { color-scheme: light; --fg: #1f2430; --muted: #5d6677; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 56px; }
h1 { font-size: 22px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 16px; margin: 32px 0 12px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; box-shadow: 0 1px 2px rgba(20,30,50,.04); }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px 24px; }
.meta div span { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.meta div b { font-weight: 600; word-break: break-all; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; vertical-align: middle; margin-left: 8px; }
.s-completed, .r-criterion_met { background: #e3f4e6; color: #1d6b33; }
.s-failed, .r-error { background: #fde4e4; color: #a11d1d; }
.s-interrupted, .r-interrupted { background: #f3e6f7; color: #7a2a8c; }
.r-max_iter { background: #fdf1d8; color: #8a5a00; }
.r-stopped, .s-other, .r-running { background: #e9ecf1; color: #414a5a; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.winner td { background: #eef8f0; }
.selection, .rungs { margin-bottom: 10px; }
.r-pruned, .r-budget { background: #fbe9dc; color: #9a4a12; }
td.rung { white-space: nowrap; }
td.rung.pruned { background: #fbe9dc; }
.cut { color: #9a4a12; font-weight: 600; }
tr.pruned td:first-child b { color: var(--muted); }
.legend { font-size: 12px; margin: 0 0 8px; }
.lineage { margin-bottom: 10px; }
.lineage table { margin-top: 10px; }
svg.lineage line.lane-line { stroke-width: 3; stroke-linecap: round; opacity: .8; }
svg.lineage path.copy { fill: none; stroke-width: 1.5; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f3f4f7; border-radius: 6px; padding: 10px 12px; overflow: auto; margin: 6px 0 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
.chart-card svg { width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #5d6677; }
svg .plot-bg { fill: #fbfcfd; }
svg line.grid { stroke: #e8ebf0; stroke-width: 1; }
svg line.axis, svg line.axis-tick { stroke: #9aa3b2; stroke-width: 1; }
svg .axis-label { fill: #414a5a; font-weight: 600; }
svg path.line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg .point, svg .swatch { stroke: #fff; stroke-width: 1; }
svg g.series:not(.highlight) path.line { stroke-width: 1.5; }
svg.overlay g.series:not(.highlight) { opacity: .75; }
svg g.series.highlight path.line { stroke-width: 3; }
svg text.empty tspan:first-child { font-weight: 600; }
svg.metric text.empty.failed { fill: #a11d1d; }
p.failure { color: #a11d1d; margin: 6px 0 0; font-size: 12px; word-break: break-word; }
.best { margin: 0 0 10px; }
tr.failed td:nth-child(2) b::after { content: " ✗"; color: #a11d1d; }
svg line.threshold { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg text.threshold-label { fill: #d62728; font-weight: 600; }
svg text.empty { fill: #9aa3b2; font-size: 13px; }
svg rect.lane { fill: #fbfcfd; } svg rect.lane.alt { fill: #f3f5f8; }
svg text.lane-label { fill: #1f2430; font-weight: 600; }
svg rect.bar { stroke: rgba(0,0,0,.15); stroke-width: .5; }
svg rect.bar.failed { stroke: #d62728; stroke-width: 2; }
svg rect.bar.unfinished { opacity: .55; stroke-dasharray: 3 2; stroke: #333; }
.muted { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`
