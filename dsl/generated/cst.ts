/* Generated from dsl/Parser.ts by generateCstDts; do not edit. A test fails when it drifts
 * (UPDATE_CST=1 npx vitest run --project unit test/unit/dsl/Grammar.test.ts regenerates it). */
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  operand: (OperandCstNode)[];
  BinaryOp?: IToken[];
};

export interface OperandCstNode extends CstNode {
  name: "operand";
  children: OperandCstChildren;
}

export type OperandCstChildren = {
  Minus?: IToken[];
  Plus?: IToken[];
  Kw_not?: IToken[];
  inner?: OperandCstNode[];
  Kw_if?: IToken[];
  condition?: ExpressionCstNode[];
  Kw_then?: IToken[];
  consequent?: ExpressionCstNode[];
  Kw_else?: IToken[];
  alternative?: ExpressionCstNode[];
  NumberToken?: IToken[];
  StringLiteral?: IToken[];
  Kw_true?: IToken[];
  Kw_false?: IToken[];
  Kw_null?: IToken[];
  Kw_learner?: IToken[];
  Kw_max_iter?: IToken[];
  Identifier?: IToken[];
  Kw_env?: IToken[];
  callArgs?: CallArgsCstNode[];
  parenExpr?: ParenExprCstNode[];
  arrayLit?: ArrayLitCstNode[];
  objectLit?: ObjectLitCstNode[];
  accessor?: AccessorCstNode[];
  StarStar?: IToken[];
  exponent?: OperandCstNode[];
};

export interface AccessorCstNode extends CstNode {
  name: "accessor";
  children: AccessorCstChildren;
}

export type AccessorCstChildren = {
  Dot?: IToken[];
  Identifier?: IToken[];
  Keyword?: IToken[];
  LBracket?: IToken[];
  expression?: ExpressionCstNode[];
  RBracket?: IToken[];
};

export interface CallArgsCstNode extends CstNode {
  name: "callArgs";
  children: CallArgsCstChildren;
}

export type CallArgsCstChildren = {
  LParen: IToken[];
  expression?: (ExpressionCstNode)[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface ParenExprCstNode extends CstNode {
  name: "parenExpr";
  children: ParenExprCstChildren;
}

export type ParenExprCstChildren = {
  LParen: IToken[];
  expression: ExpressionCstNode[];
  RParen: IToken[];
};

export interface ArrayLitCstNode extends CstNode {
  name: "arrayLit";
  children: ArrayLitCstChildren;
}

export type ArrayLitCstChildren = {
  LBracket: IToken[];
  expression?: (ExpressionCstNode)[];
  Comma?: (IToken)[];
  RBracket: IToken[];
};

export interface ObjectLitCstNode extends CstNode {
  name: "objectLit";
  children: ObjectLitCstChildren;
}

export type ObjectLitCstChildren = {
  LCurly: IToken[];
  objectEntry?: ObjectEntryCstNode[];
  Comma?: IToken[];
  RCurly: IToken[];
};

export interface ObjectEntryCstNode extends CstNode {
  name: "objectEntry";
  children: ObjectEntryCstChildren;
}

export type ObjectEntryCstChildren = {
  Identifier?: IToken[];
  StringLiteral?: IToken[];
  Keyword?: IToken[];
  Colon: IToken[];
  expression: ExpressionCstNode[];
};

export interface ProgramCstNode extends CstNode {
  name: "program";
  children: ProgramCstChildren;
}

export type ProgramCstChildren = {
  topItem?: TopItemCstNode[];
};

export interface TopItemCstNode extends CstNode {
  name: "topItem";
  children: TopItemCstChildren;
}

export type TopItemCstChildren = {
  backendDecl?: BackendDeclCstNode[];
  pluginDecl?: PluginDeclCstNode[];
  letDecl?: LetDeclCstNode[];
  learnerBlock?: LearnerBlockCstNode[];
};

export interface BackendDeclCstNode extends CstNode {
  name: "backendDecl";
  children: BackendDeclCstChildren;
}

export type BackendDeclCstChildren = {
  Kw_backend: IToken[];
  dashedName: DashedNameCstNode[];
  StringLiteral?: IToken[];
  objectLit?: ObjectLitCstNode[];
};

export interface DashedNameCstNode extends CstNode {
  name: "dashedName";
  children: DashedNameCstChildren;
}

export type DashedNameCstChildren = {
  Identifier: (IToken)[];
  Minus?: IToken[];
};

export interface PluginDeclCstNode extends CstNode {
  name: "pluginDecl";
  children: PluginDeclCstChildren;
}

export type PluginDeclCstChildren = {
  Kw_plugin: IToken[];
  StringLiteral: IToken[];
};

export interface LetDeclCstNode extends CstNode {
  name: "letDecl";
  children: LetDeclCstChildren;
}

export type LetDeclCstChildren = {
  Kw_let: IToken[];
  Identifier: IToken[];
  Equals: IToken[];
  expression: ExpressionCstNode[];
};

export interface LearnerBlockCstNode extends CstNode {
  name: "learnerBlock";
  children: LearnerBlockCstChildren;
}

export type LearnerBlockCstChildren = {
  LearnerKind: IToken[];
  StringLiteral?: IToken[];
  LCurly: IToken[];
  learnerItem?: LearnerItemCstNode[];
  RCurly: IToken[];
};

export interface LearnerItemCstNode extends CstNode {
  name: "learnerItem";
  children: LearnerItemCstChildren;
}

export type LearnerItemCstChildren = {
  parallelStmt?: ParallelStmtCstNode[];
  maxIterStmt?: MaxIterStmtCstNode[];
  stopStmt?: StopStmtCstNode[];
  onErrorStmt?: OnErrorStmtCstNode[];
  learnerSection?: LearnerSectionCstNode[];
  learnersSection?: LearnersSectionCstNode[];
  sweepStmt?: SweepStmtCstNode[];
  taskBinding?: TaskBindingCstNode[];
  optionStmt?: OptionStmtCstNode[];
};

export interface ParallelStmtCstNode extends CstNode {
  name: "parallelStmt";
  children: ParallelStmtCstChildren;
}

export type ParallelStmtCstChildren = {
  Kw_parallel: IToken[];
  expression: ExpressionCstNode[];
};

export interface MaxIterStmtCstNode extends CstNode {
  name: "maxIterStmt";
  children: MaxIterStmtCstChildren;
}

export type MaxIterStmtCstChildren = {
  Kw_max_iter: IToken[];
  expression: ExpressionCstNode[];
};

export interface StopStmtCstNode extends CstNode {
  name: "stopStmt";
  children: StopStmtCstChildren;
}

export type StopStmtCstChildren = {
  Kw_stop: IToken[];
  Kw_when: IToken[];
  Identifier: IToken[];
  CompareOp?: IToken[];
  expression: ExpressionCstNode[];
};

export interface OnErrorStmtCstNode extends CstNode {
  name: "onErrorStmt";
  children: OnErrorStmtCstChildren;
}

export type OnErrorStmtCstChildren = {
  Kw_on_error: IToken[];
  Identifier: IToken[];
};

export interface LearnerSectionCstNode extends CstNode {
  name: "learnerSection";
  children: LearnerSectionCstChildren;
}

export type LearnerSectionCstChildren = {
  Kw_learner: IToken[];
  intExpr: IntExprCstNode[];
  LCurly: IToken[];
  configEntry?: ConfigEntryCstNode[];
  RCurly: IToken[];
};

export interface LearnersSectionCstNode extends CstNode {
  name: "learnersSection";
  children: LearnersSectionCstChildren;
}

export type LearnersSectionCstChildren = {
  Kw_learners: IToken[];
  LCurly: IToken[];
  configEntry?: ConfigEntryCstNode[];
  RCurly: IToken[];
};

export interface SweepStmtCstNode extends CstNode {
  name: "sweepStmt";
  children: SweepStmtCstChildren;
}

export type SweepStmtCstChildren = {
  Kw_sweep: IToken[];
  generator: IToken[];
  count?: IToken[];
  seedWord?: IToken[];
  seed?: IToken[];
  LCurly: IToken[];
  configEntry?: ConfigEntryCstNode[];
  RCurly: IToken[];
};

export interface ConfigEntryCstNode extends CstNode {
  name: "configEntry";
  children: ConfigEntryCstChildren;
}

export type ConfigEntryCstChildren = {
  taskRef: TaskRefCstNode[];
  when?: WhenCstNode[];
  objectLit: ObjectLitCstNode[];
};

export interface WhenCstNode extends CstNode {
  name: "when";
  children: WhenCstChildren;
}

export type WhenCstChildren = {
  Kw_at?: IToken[];
  intExpr?: (IntExprCstNode)[];
  Kw_from?: IToken[];
  Kw_default?: IToken[];
};

export interface IntExprCstNode extends CstNode {
  name: "intExpr";
  children: IntExprCstChildren;
}

export type IntExprCstChildren = {
  Minus?: IToken[];
  NumberToken?: IToken[];
  Identifier?: IToken[];
};

export interface TaskBindingCstNode extends CstNode {
  name: "taskBinding";
  children: TaskBindingCstChildren;
}

export type TaskBindingCstChildren = {
  taskRef: TaskRefCstNode[];
  Equals: IToken[];
  binding: BindingCstNode[];
  taskOption?: TaskOptionCstNode[];
};

export interface TaskRefCstNode extends CstNode {
  name: "taskRef";
  children: TaskRefCstChildren;
}

export type TaskRefCstChildren = {
  Identifier: IToken[];
  StringLiteral?: IToken[];
};

export interface BindingCstNode extends CstNode {
  name: "binding";
  children: BindingCstChildren;
}

export type BindingCstChildren = {
  Kw_exec?: IToken[];
  Kw_shell?: IToken[];
  Kw_call?: IToken[];
  expression: ExpressionCstNode[];
};

export interface TaskOptionCstNode extends CstNode {
  name: "taskOption";
  children: TaskOptionCstChildren;
}

export type TaskOptionCstChildren = {
  Kw_with?: IToken[];
  withConfig?: ObjectLitCstNode[];
  Kw_args?: IToken[];
  arrayLit?: ArrayLitCstNode[];
  Kw_resources?: IToken[];
  resourcesConfig?: ObjectLitCstNode[];
  Kw_retry?: IToken[];
  expression?: ExpressionCstNode[];
  Kw_on?: IToken[];
  Identifier?: IToken[];
  Kw_timeout?: IToken[];
  Duration?: IToken[];
  Kw_backend?: IToken[];
  StringLiteral?: IToken[];
  Kw_env?: IToken[];
  envConfig?: ObjectLitCstNode[];
};

export interface OptionStmtCstNode extends CstNode {
  name: "optionStmt";
  children: OptionStmtCstChildren;
}

export type OptionStmtCstChildren = {
  Identifier: IToken[];
  expression: ExpressionCstNode[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  operand(children: OperandCstChildren, param?: IN): OUT;
  accessor(children: AccessorCstChildren, param?: IN): OUT;
  callArgs(children: CallArgsCstChildren, param?: IN): OUT;
  parenExpr(children: ParenExprCstChildren, param?: IN): OUT;
  arrayLit(children: ArrayLitCstChildren, param?: IN): OUT;
  objectLit(children: ObjectLitCstChildren, param?: IN): OUT;
  objectEntry(children: ObjectEntryCstChildren, param?: IN): OUT;
  program(children: ProgramCstChildren, param?: IN): OUT;
  topItem(children: TopItemCstChildren, param?: IN): OUT;
  backendDecl(children: BackendDeclCstChildren, param?: IN): OUT;
  dashedName(children: DashedNameCstChildren, param?: IN): OUT;
  pluginDecl(children: PluginDeclCstChildren, param?: IN): OUT;
  letDecl(children: LetDeclCstChildren, param?: IN): OUT;
  learnerBlock(children: LearnerBlockCstChildren, param?: IN): OUT;
  learnerItem(children: LearnerItemCstChildren, param?: IN): OUT;
  parallelStmt(children: ParallelStmtCstChildren, param?: IN): OUT;
  maxIterStmt(children: MaxIterStmtCstChildren, param?: IN): OUT;
  stopStmt(children: StopStmtCstChildren, param?: IN): OUT;
  onErrorStmt(children: OnErrorStmtCstChildren, param?: IN): OUT;
  learnerSection(children: LearnerSectionCstChildren, param?: IN): OUT;
  learnersSection(children: LearnersSectionCstChildren, param?: IN): OUT;
  sweepStmt(children: SweepStmtCstChildren, param?: IN): OUT;
  configEntry(children: ConfigEntryCstChildren, param?: IN): OUT;
  when(children: WhenCstChildren, param?: IN): OUT;
  intExpr(children: IntExprCstChildren, param?: IN): OUT;
  taskBinding(children: TaskBindingCstChildren, param?: IN): OUT;
  taskRef(children: TaskRefCstChildren, param?: IN): OUT;
  binding(children: BindingCstChildren, param?: IN): OUT;
  taskOption(children: TaskOptionCstChildren, param?: IN): OUT;
  optionStmt(children: OptionStmtCstChildren, param?: IN): OUT;
}
