/**
 * Prints expressions in the canonical layout: one space around binary operators, none inside
 * brackets, the parentheses the author wrote (and no others: the tree came from the parser, so its
 * shape already matches the precedence of the printed text).
 *
 * @since 0.1.0
 */
import type * as Ast from "../Ast.ts"

export const printKey = (k: Ast.Key): string => (k.quoted ? k.raw : k.name)

export const printExpr = (e: Ast.Expr): string => {
  switch (e._tag) {
    case "Number":
      return e.raw
    case "String":
      return e.raw
    case "Boolean":
      return e.value ? "true" : "false"
    case "Null":
      return "null"
    case "Ident":
      return e.name
    case "Member":
      return `${printExpr(e.object)}.${e.name.text}`
    case "Index":
      return `${printExpr(e.object)}[${printExpr(e.index)}]`
    case "Call":
      return `${e.callee.text}(${e.args.map(printExpr).join(", ")})`
    case "Unary": {
      const inner = printExpr(e.operand)
      if (e.op === "not") return `not ${inner}`
      // `- -x`, not `--x`
      return inner.startsWith("-") || inner.startsWith("+") ? `${e.op} ${inner}` : `${e.op}${inner}`
    }
    case "Binary":
      return `${printExpr(e.left)} ${e.op} ${printExpr(e.right)}`
    case "If":
      return `if ${printExpr(e.condition)} then ${printExpr(e.consequent)} else ${printExpr(e.alternative)}`
    case "Array":
      return `[${e.elements.map(printExpr).join(", ")}]`
    case "Object":
      return e.entries.length === 0
        ? "{}"
        : `{ ${e.entries.map((x) => `${printKey(x.key)}: ${printExpr(x.value)}`).join(", ")} }`
    case "Paren":
      return `(${printExpr(e.expr)})`
    case "Missing":
      return "?"
  }
}
