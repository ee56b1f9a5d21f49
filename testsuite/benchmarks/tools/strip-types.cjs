#!/usr/bin/env node
// Writes the untyped variant NAME-untyped.bs of NAME.bs: the annotations of parameters, class
// properties and function, method and arrow results are removed (so they are `any`, or inferred
// for results); local variables keep theirs. A result type is kept as `any` where the function
// is recursive, since inferring it would be cyclic. The output usually needs a few hand edits
// (bitwise operators need static integers: check-node.cjs points at them).
//
//   NODE_PATH=/tmp/ts/node_modules node testsuite/benchmarks/tools/strip-types.cjs NAME.bs

'use strict';
const fs = require('fs');
const ts = require('typescript');

function strip(text) {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, true);
  const edits = []; // [start, end, replacement]
  const cut = (colonFrom, typeNode, replacement) => {
    // Remove from the `:` before the type to the end of the type.
    let start = typeNode.getFullStart();
    while (start > colonFrom && text[start - 1] !== ':') start -= 1;
    edits.push([start - 1, typeNode.getEnd(), replacement]);
  };
  const names = (fn) => {
    if (fn.name) return fn.name.getText(sf);
    return null;
  };
  const isRecursive = (fn) => {
    const name = names(fn);
    if (!name || !fn.body) return false;
    let found = false;
    const visit = (n) => {
      if (ts.isCallExpression(n)) {
        const callee = n.expression;
        const calleeName = ts.isPropertyAccessExpression(callee) ? callee.name.getText(sf)
          : ts.isIdentifier(callee) ? callee.getText(sf) : null;
        if (calleeName === name) found = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(fn.body);
    return found;
  };
  const visit = (node) => {
    if (ts.isTypeNode(node)) return; // removed whole, with the parameters of function types
    if (ts.isParameter(node) && node.type) cut(node.name.getEnd(), node.type, '');
    if (ts.isPropertyDeclaration(node) && node.type) cut(node.name.getEnd(), node.type, '');
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node))
      && node.type) {
      const closeParen = node.parameters.end;
      const keep = node.type.kind !== ts.SyntaxKind.VoidKeyword && isRecursive(node) ? ': any' : '';
      cut(closeParen, node.type, keep);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  edits.sort((a, b) => b[0] - a[0]);
  let out = text;
  for (const [start, end, rep] of edits) out = out.slice(0, start) + rep + out.slice(end);
  return out;
}

for (const file of process.argv.slice(2)) {
  const out = file.replace(/\.bs$/, '-untyped.bs');
  const lines = strip(fs.readFileSync(file, 'utf8')).split('\n');
  let i = 0;
  while (i < lines.length && lines[i].startsWith('//')) i += 1;
  lines.splice(i, 0, '// The untyped variant: parameters, properties and results carry no annotations.');
  fs.writeFileSync(out, lines.join('\n'));
  console.log(`wrote ${out}`);
}
