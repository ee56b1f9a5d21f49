#!/usr/bin/env node
// Checks the BlueScript benchmarks without a BlueScript compiler: type-checks each `.bs` file as
// TypeScript against bluescript.d.ts (only what BlueScript has), lints the constructs BlueScript
// rejects or treats differently, then runs it under node and compares its output with NAME.out.
//
//   npm install --prefix /tmp/ts typescript@5   (TypeScript 7 has no JavaScript API)
//   NODE_PATH=/tmp/ts/node_modules node testsuite/benchmarks/tools/check-node.cjs [NAME.bs…]
//
// JavaScript numbers are f64, BlueScript floats f32: benchmarks whose result depends on float
// rounding have their f64 expectation patched in below (F64_EXPECTED), taken from the C version
// compiled with `-DREAL=double`.

'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const DIR = path.resolve(__dirname, '..');
const LIB = path.join(__dirname, 'bluescript.d.ts');

// file name without .bs -> [text in the .bs, replacement for the f64 run]
const F64_EXPECTED = {
  mandelbrot: [['const EXPECTED = 18', 'const EXPECTED = 191']],
  'mandelbrot-untyped': [['const EXPECTED = 18', 'const EXPECTED = 191']],
  'nbody-untyped': [['const EXPECTED = -0.16908671', 'const EXPECTED = -0.16908761']],
};

function baseName(file) {
  return path.basename(file, '.bs').replace(/-untyped$/, '');
}

function typeCheck(file, text, untyped) {
  const fileName = file.replace(/\.bs$/, '.ts');
  const libText = fs.readFileSync(LIB, 'utf8');
  const options = {
    noLib: true,
    strict: true,
    noImplicitAny: true,
    noImplicitThis: true,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const files = { [fileName]: text, [LIB]: libText };
  host.getSourceFile = (name, lang) =>
    files[name] !== undefined ? ts.createSourceFile(name, files[name], lang, true) : undefined;
  host.fileExists = (name) => files[name] !== undefined;
  host.readFile = (name) => files[name];
  const program = ts.createProgram([fileName, LIB], options, host);
  const problems = [];
  // Untyped variants leave parameters and properties `any` on purpose; a result type that can only
  // be inferred through recursion (TS7023/7024) is still an error, as in BlueScript.
  const allowed = untyped ? new Set([7006, 7008, 7005, 7034]) : new Set();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (allowed.has(d.code)) continue;
    const where = d.file
      ? `${path.basename(file)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}`
      : '';
    problems.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  lint(program, program.getSourceFile(fileName), file, problems);
  return problems;
}

const BITWISE = new Set([
  ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken, ts.SyntaxKind.AmpersandEqualsToken,
  ts.SyntaxKind.BarEqualsToken, ts.SyntaxKind.CaretEqualsToken,
  ts.SyntaxKind.LessThanLessThanEqualsToken, ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
]);

const COMPOUND = new Set([
  ts.SyntaxKind.PlusEqualsToken, ts.SyntaxKind.MinusEqualsToken, ts.SyntaxKind.AsteriskEqualsToken,
  ts.SyntaxKind.SlashEqualsToken, ts.SyntaxKind.PercentEqualsToken,
]);

// The constructs language.md leaves out or handles differently from TypeScript.
function lint(program, sf, file, problems) {
  const checker = program.getTypeChecker();
  const say = (node, msg) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    problems.push(`${path.basename(file)}:${line}: ${msg}`);
  };
  const isAny = (node) => (checker.getTypeAtLocation(node).flags & ts.TypeFlags.Any) !== 0;
  // Whether BlueScript types `node` as `any`: TypeScript says number for arithmetic on `any`
  // and infers number for a local or a result computed from it, where BlueScript keeps `any`.
  const busy = new Set();
  const dynamic = (node) => {
    if (busy.has(node)) return false;
    busy.add(node);
    try {
      return dynamicUncached(node);
    } finally {
      busy.delete(node);
    }
  };
  const ARITH = new Set([
    ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken,
    ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken, ts.SyntaxKind.AsteriskAsteriskToken,
  ]);
  const returnsDynamic = (decl) => {
    if (!decl || decl.type || !decl.body) return false;
    if (!ts.isBlock(decl.body)) return dynamic(decl.body);
    let found = false;
    const visit = (n) => {
      if (found || (n !== decl.body && ts.isFunctionLike(n))) return;
      if (ts.isReturnStatement(n) && n.expression && dynamic(n.expression)) found = true;
      ts.forEachChild(n, visit);
    };
    visit(decl.body);
    return found;
  };
  const dynamicUncached = (node) => {
    if (isAny(node)) return true;
    if (ts.isParenthesizedExpression(node)) return dynamic(node.expression);
    if (ts.isBinaryExpression(node) && ARITH.has(node.operatorToken.kind)) {
      return dynamic(node.left) || dynamic(node.right);
    }
    if (ts.isPrefixUnaryExpression(node) && node.operator !== ts.SyntaxKind.TildeToken
      && node.operator !== ts.SyntaxKind.ExclamationToken) {
      return dynamic(node.operand);
    }
    if (ts.isConditionalExpression(node)) return dynamic(node.whenTrue) || dynamic(node.whenFalse);
    if (ts.isIdentifier(node)) {
      const sym = checker.getSymbolAtLocation(node);
      const decl = sym && sym.valueDeclaration;
      if (decl && ts.isVariableDeclaration(decl) && !decl.type && decl.initializer) {
        return dynamic(decl.initializer);
      }
      return !!decl && ts.isParameter(decl) && !decl.type;
    }
    if (ts.isPropertyAccessExpression(node)) {
      // TypeScript infers an unannotated property's type from the constructor; BlueScript: any.
      const sym = checker.getSymbolAtLocation(node.name);
      const decl = sym && sym.valueDeclaration;
      if (decl && ts.isPropertyDeclaration(decl) && !decl.type) return true;
      return node.name.getText(sf) === 'length' && dynamic(node.expression);
    }
    if (ts.isElementAccessExpression(node)) return dynamic(node.expression);
    if (ts.isCallExpression(node)) {
      const sym = checker.getSymbolAtLocation(
        ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression);
      const decl = sym && sym.valueDeclaration;
      if (decl && (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl))) {
        return returnsDynamic(decl);
      }
      return false;
    }
    return false;
  };
  const visit = (node, depth) => {
    switch (node.kind) {
      case ts.SyntaxKind.BinaryExpression:
        if (BITWISE.has(node.operatorToken.kind) && (dynamic(node.left) || dynamic(node.right))) {
          say(node, 'bitwise operator on an `any` operand (needs a static integer)');
        }
        if (COMPOUND.has(node.operatorToken.kind) && !dynamic(node.left) && dynamic(node.right)) {
          say(node, 'compound assignment of an `any` value to a typed place (write `x = x + …`)');
        }
        if (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) say(node, '`??`');
        if (node.operatorToken.kind === ts.SyntaxKind.CommaToken) say(node, 'comma operator');
        break;
      case ts.SyntaxKind.ObjectLiteralExpression: say(node, 'object literal'); break;
      case ts.SyntaxKind.SwitchStatement: say(node, '`switch`'); break;
      case ts.SyntaxKind.ForOfStatement: say(node, '`for…of`'); break;
      case ts.SyntaxKind.ForInStatement: say(node, '`for…in`'); break;
      case ts.SyntaxKind.TemplateExpression:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral: say(node, 'template literal'); break;
      case ts.SyntaxKind.NonNullExpression: say(node, 'non-null assertion `!`'); break;
      case ts.SyntaxKind.SpreadElement: say(node, 'spread'); break;
      case ts.SyntaxKind.ObjectBindingPattern:
      case ts.SyntaxKind.ArrayBindingPattern: say(node, 'destructuring'); break;
      case ts.SyntaxKind.InterfaceDeclaration: say(node, 'interface'); break;
      case ts.SyntaxKind.TypeAliasDeclaration: say(node, 'type alias'); break;
      case ts.SyntaxKind.GetAccessor:
      case ts.SyntaxKind.SetAccessor: say(node, 'accessor'); break;
      case ts.SyntaxKind.PropertyDeclaration:
        if (node.initializer) say(node, 'property initializer');
        break;
      case ts.SyntaxKind.Parameter:
        if (node.initializer) say(node, 'default parameter');
        if (node.questionToken) say(node, 'optional parameter');
        break;
      case ts.SyntaxKind.FunctionDeclaration:
        if (depth > 0) say(node, 'nested function declaration');
        if (node.typeParameters) say(node, 'generic function');
        break;
      case ts.SyntaxKind.ClassDeclaration:
        if (depth > 0) say(node, 'nested class');
        if (node.typeParameters) say(node, 'generic class');
        break;
      case ts.SyntaxKind.MethodDeclaration:
        if (node.typeParameters) say(node, 'generic method');
        break;
      case ts.SyntaxKind.PropertyAccessExpression:
      case ts.SyntaxKind.ElementAccessExpression:
        if (node.questionDotToken) say(node, 'optional chaining');
        if (node.kind === ts.SyntaxKind.PropertyAccessExpression) {
          const sym = checker.getSymbolAtLocation(node.name);
          const called = ts.isCallExpression(node.parent) && node.parent.expression === node;
          if (sym && (sym.flags & ts.SymbolFlags.Method) && !called) {
            say(node, 'a method used as a value');
          }
        }
        break;
      case ts.SyntaxKind.ArrowFunction: {
        const findThis = (n) => {
          if (n.kind === ts.SyntaxKind.ThisKeyword) say(n, '`this` inside an arrow function');
          ts.forEachChild(n, findThis);
        };
        findThis(node.body);
        break;
      }
      case ts.SyntaxKind.NumericLiteral:
        if (/^0[xob]/i.test(node.text) || /^0[xob]/i.test(node.getText(sf))) {
          if (Number(node.getText(sf)) > 0x7fffffff) say(node, 'integer literal above 2^31-1');
        } else if (!/[.eE]/.test(node.getText(sf)) && Number(node.getText(sf)) > 0x7fffffff) {
          say(node, 'integer literal above 2^31-1');
        }
        break;
      case ts.SyntaxKind.VariableDeclaration:
        if (!node.initializer && node.type && !ts.isForOfStatement(node.parent.parent)) {
          const t = checker.getTypeAtLocation(node.type);
          const nullable = t.isUnion() && t.types.some((u) => u.flags & ts.TypeFlags.Null);
          const prim = t.flags & (ts.TypeFlags.Number | ts.TypeFlags.Boolean | ts.TypeFlags.Any);
          if (!nullable && !prim) say(node, 'declaration without initializer of a non-nullable reference type');
        }
        break;
      default:
        break;
    }
    const inner = ts.isFunctionLike(node) || ts.isClassLike(node) ? depth + 1 : depth;
    ts.forEachChild(node, (c) => visit(c, inner));
  };
  ts.forEachChild(sf, (c) => visit(c, 0));
}

function run(text) {
  const js = ts.transpileModule(text, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, useDefineForClassFields: false },
  }).outputText;
  const lines = [];
  const BsArray = function BsArray(n, init) {
    return new globalThis.Array(n).fill(init);
  };
  const print = (x) => lines.push(String(x));
  const consoleShim = {
    log: (...xs) => lines.push(xs.map(String).join(' ')),
    error: (...xs) => process.stderr.write(xs.map(String).join(' ') + '\n'),
  };
  const timeShim = { now: () => performance.now(), delay: () => {} };
  const fn = new Function('Array', 'print', 'console', 'time', js);
  fn(BsArray, print, consoleShim, timeShim);
  return lines.map((l) => l + '\n').join('');
}

function main() {
  let files = process.argv.slice(2);
  if (files.length === 0) {
    files = fs.readdirSync(DIR).filter((f) => f.endsWith('.bs')).sort().map((f) => path.join(DIR, f));
  }
  let failed = 0;
  for (const file of files) {
    const name = baseName(file);
    const untyped = path.basename(file).endsWith('-untyped.bs');
    let text = fs.readFileSync(file, 'utf8');
    const problems = typeCheck(file, text, untyped);
    for (const [from, to] of F64_EXPECTED[path.basename(file, '.bs')] || []) {
      if (!text.includes(from)) problems.push(`f64 patch: \`${from}\` not found`);
      text = text.replace(from, to);
    }
    const expected = fs.readFileSync(path.join(path.dirname(file), `${name}.out`), 'utf8');
    const t0 = performance.now();
    let actual;
    try {
      actual = run(text);
    } catch (e) {
      actual = `exception: ${e && e.stack}`;
    }
    const ms = (performance.now() - t0).toFixed(0);
    if (actual !== expected) problems.push(`output ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    if (problems.length) {
      failed += 1;
      console.log(`FAIL ${path.basename(file)} (${ms} ms)`);
      for (const p of problems) console.log(`  ${p}`);
    } else {
      console.log(`ok   ${path.basename(file)} (${ms} ms)`);
    }
  }
  console.log(`${files.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
