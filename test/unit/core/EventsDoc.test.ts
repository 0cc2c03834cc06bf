/**
 * docs/events.md and the event schemas (core/Event.ts) say the same thing: every event type has a
 * section, and every field of its schema (nested ones by path: `learner.name`, `learners[].kind`) is
 * a row of the section's field table, marked optional exactly when the schema makes it optional,
 * with a meaning; and the doc documents no field the schema lacks. A row that links to a table of
 * the page (`[task fields](#task-fields)`) stands for that table's fields; a row whose meaning links
 * to one (`the [failure](#failures)`) says what the fields of its object are.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import * as Event from "../../../core/Event.ts"

const docPath = Path.join(import.meta.dirname, "../../../docs/events.md")

interface Field {
  readonly path: string
  readonly optional: boolean
}

interface Row {
  readonly cells: ReadonlyArray<string>
  readonly line: number
}

// --- the schemas ---------------------------------------------------------------------------------

const strip = (ast: AST.AST): AST.AST =>
  ast._tag === "Refinement" ? strip(ast.from) : ast._tag === "Transformation" ? strip(ast.to) : ast

/** The one type an optional or nullable type stands for, if it is one. */
const present = (ast: AST.AST): AST.AST | undefined => {
  const stripped = strip(ast)
  if (stripped._tag !== "Union") return stripped
  const rest = stripped.types.filter(
    (t) => t._tag !== "UndefinedKeyword" && !(t._tag === "Literal" && t.literal === null)
  )
  return rest.length === 1 ? strip(rest[0]!) : undefined
}

const fieldsOf = (ast: AST.AST, prefix = ""): ReadonlyArray<Field> => {
  const type = strip(ast)
  if (type._tag !== "TypeLiteral") return []
  return type.propertySignatures.flatMap((signature) => {
    const name = signature.name === "_tag" ? "type" : String(signature.name)
    const path = `${prefix}${name}`
    const own: Field = { path, optional: signature.isOptional }
    const inner = present(signature.type)
    if (inner?._tag === "TypeLiteral" && inner.propertySignatures.length > 0) {
      return [own, ...fieldsOf(inner, `${path}.`)]
    }
    if (inner?._tag === "TupleType" && inner.elements.length === 0 && inner.rest.length === 1) {
      return [own, ...fieldsOf(inner.rest[0]!.type, `${path}[].`)]
    }
    return [own]
  })
}

const tagOf = (ast: AST.AST): string => {
  const type = strip(ast)
  const tag = type._tag === "TypeLiteral" ? type.propertySignatures.find((s) => s.name === "_tag") : undefined
  const literal = tag === undefined ? undefined : strip(tag.type)
  return literal?._tag === "Literal" ? String(literal.literal) : "?"
}

// --- the doc -------------------------------------------------------------------------------------

const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .trim()
    .replace(/ /g, "-")

const cellsOf = (line: string): ReadonlyArray<string> =>
  line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((c) => c.trim())

/** Each heading's first field table (one whose first column is `field`), by the heading's text. */
const fieldTables = (text: string): ReadonlyMap<string, ReadonlyArray<Row>> => {
  const tables = new Map<string, Array<Row>>()
  const lines = text.split("\n")
  let heading = ""
  for (let at = 0; at < lines.length; at++) {
    const line = lines[at]!
    const h = /^#{2,3} (.+)$/.exec(line)
    if (h !== null) heading = h[1]!
    const isTableStart = line.startsWith("|") && /^\|\s*-+/.test(lines[at + 1] ?? "")
    if (!isTableStart || cellsOf(line)[0] !== "field" || tables.has(heading)) continue
    const rows: Array<Row> = []
    for (at += 2; at < lines.length && lines[at]!.startsWith("|"); at++) {
      rows.push({ cells: cellsOf(lines[at]!), line: at + 1 })
    }
    tables.set(heading, rows)
  }
  return tables
}

/** What the doc says: per event type, its fields; and every problem with how it says it. */
const documented = (
  text: string
): { readonly types: ReadonlyMap<string, ReadonlyArray<Field>>; readonly problems: ReadonlyArray<string> } => {
  const tables = fieldTables(text)
  const byAnchor = new Map([...tables].map(([heading, rows]) => [slug(heading), rows]))
  const problems: Array<string> = []
  const expand = (rows: ReadonlyArray<Row>, prefix: string, seen: ReadonlySet<string>): ReadonlyArray<Field> =>
    rows.flatMap((row): ReadonlyArray<Field> => {
      const [first = "", type = "", meaning = ""] = row.cells
      const group = /^\[[^\]]+\]\(#([\w-]+)\)$/.exec(first)
      if (group !== null) {
        const rowsOfGroup = byAnchor.get(group[1]!)
        if (rowsOfGroup === undefined || seen.has(group[1]!)) {
          problems.push(`line ${row.line}: ${first} links to no field table`)
          return []
        }
        return expand(rowsOfGroup, prefix, new Set([...seen, group[1]!]))
      }
      const code = /^`([^`]+)`$/.exec(first)
      if (code === null) {
        problems.push(`line ${row.line}: the first cell is neither \`field\` nor a link to a field table: ${first}`)
        return []
      }
      if (meaning === "") problems.push(`line ${row.line}: \`${code[1]}\` has no meaning`)
      const own = { path: `${prefix}${code[1]}`, optional: /\boptional\b/.test(type) }
      const nested = /\]\(#([\w-]+)\)/.exec(meaning)?.[1]
      const nestedRows = nested === undefined ? undefined : byAnchor.get(nested)
      return nestedRows === undefined
        ? [own]
        : [own, ...expand(nestedRows, `${own.path}.`, new Set([...seen, nested!]))]
    })
  const types = new Map<string, ReadonlyArray<Field>>()
  for (const [heading, rows] of tables) {
    const type = /^`([a-z_]+)`$/.exec(heading)?.[1]
    if (type !== undefined) types.set(type, expand(rows, "", new Set()))
  }
  return { types, problems }
}

/** Every way the doc and the schemas disagree, one line each. */
const disagreements = (text: string, members: ReadonlyArray<AST.AST>): ReadonlyArray<string> => {
  const doc = documented(text)
  const problems = [...doc.problems]
  const tags = new Set<string>()
  for (const member of members) {
    const tag = tagOf(member)
    tags.add(tag)
    const written = doc.types.get(tag)
    if (written === undefined) {
      problems.push(`no section \`${tag}\` (with a field table) for the event type ${tag}`)
      continue
    }
    const inDoc = new Map(written.map((f) => [f.path, f]))
    const inSchema = new Map(fieldsOf(member).map((f) => [f.path, f]))
    for (const [path, field] of inSchema) {
      const row = inDoc.get(path)
      if (row === undefined) problems.push(`${tag}: the field \`${path}\` is not documented`)
      else if (row.optional !== field.optional)
        problems.push(`${tag}: \`${path}\` is ${field.optional ? "optional" : "required"}, the doc says otherwise`)
    }
    for (const path of inDoc.keys()) {
      if (!inSchema.has(path)) problems.push(`${tag}: the doc has \`${path}\`, which the schema does not`)
    }
  }
  for (const type of doc.types.keys()) {
    if (!tags.has(type)) problems.push(`the doc has a section \`${type}\`, which is no event type`)
  }
  return problems
}

const schemas = Event.Event.members.map((m) => m.ast)

describe("docs/events.md", () => {
  it("documents every event type and field of core/Event.ts, and nothing else", () => {
    const problems = disagreements(Fs.readFileSync(docPath, "utf8"), schemas)
    assert.deepStrictEqual(problems, [], `docs/events.md and core/Event.ts disagree:\n${problems.join("\n")}`)
  })

  it("fails for a field added to a schema, a row left over, a type without a section", () => {
    const text = Fs.readFileSync(docPath, "utf8")
    const withField = Schema.extend(Event.RunStarted, Schema.Struct({ shards: Schema.optional(Schema.Number) }))
    const stale = text.replace("| `delayMs` | number | the backoff before it |", "| `delayMs` | number | |")
    assert.deepStrictEqual(disagreements(text, [...schemas.slice(1), withField.ast]), [
      "run_started: the field `shards` is not documented"
    ])
    assert.deepStrictEqual(
      disagreements(text.replace("| `host` | string, optional | the remote host it runs on |\n", ""), schemas).slice(
        0,
        1
      ),
      ["task_started: the field `host` is not documented"]
    )
    assert.deepStrictEqual(disagreements(stale, schemas), [
      `line ${lineOf(stale, "`delayMs`")}: \`delayMs\` has no meaning`
    ])
    assert.deepStrictEqual(disagreements(text, schemas.slice(1)), [
      "the doc has a section `run_started`, which is no event type"
    ])
    assert.deepStrictEqual(
      disagreements(
        text.replace("| `pid` | number | the process of", "| `pid` | number, optional | the process of"),
        schemas
      ),
      ["run_started: `pid` is required, the doc says otherwise"]
    )
    assert.deepStrictEqual(
      disagreements(
        text.replace(
          "| `attempt` | number, optional | its attempt |",
          "| `attempt` | number, optional | its attempt |\n| `code` | number | its code |"
        ),
        schemas
      ),
      [
        "task_failed: the doc has `error.code`, which the schema does not",
        "learner_stopped: the doc has `failure.code`, which the schema does not"
      ]
    )
  })
})

const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((line) => line.includes(needle)) + 1
