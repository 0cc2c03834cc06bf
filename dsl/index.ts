/**
 * The `.rose` language: tokens, lexer, parser, AST, checks, expressions, diagnostics, formatter,
 * compiler and plans. Start with `Dsl` (the façade).
 *
 * @since 0.1.0
 * @module
 */
export * as Ast from "./Ast.ts"
export * as Check from "./Check.ts"
export * as CheckedModel from "./CheckedModel.ts"
export * as Compile from "./Compile.ts"
export * as CstToAst from "./CstToAst.ts"
export * as Diagnostic from "./Diagnostic.ts"
export * as Dsl from "./Dsl.ts"
export * as DslError from "./DslError.ts"
export * as Expr from "./Expr.ts"
export * as Format from "./Format.ts"
export * as LanguageService from "./LanguageService.ts"
export * as Lexer from "./Lexer.ts"
export * as Parser from "./Parser.ts"
export * as Span from "./Span.ts"
export * as Tokens from "./Tokens.ts"
