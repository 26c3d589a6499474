// A local ESLint rule: a relative import never leaves the package it is written in (another package is imported by
// its name, @msec/<name>, so its dependency is declared and its build order known). A package is the nearest folder
// with a package.json or a tsconfig.json (the benchmarks and the console's web app are built as projects of their own).
import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const packageRoots = new Map();

/** The folder of the nearest package.json or tsconfig.json above `dir`. */
function packageRootOf(dir) {
  if (packageRoots.has(dir)) return packageRoots.get(dir);
  const parent = dirname(dir);
  const marked = existsSync(resolve(dir, 'package.json')) || existsSync(resolve(dir, 'tsconfig.json'));
  const root = marked || parent === dir ? dir : packageRootOf(parent);
  packageRoots.set(dir, root);
  return root;
}

const noCrossPackageRelative = {
  meta: {
    type: 'problem',
    docs: { description: 'a relative import stays inside its own package' },
    messages: {
      leaves: "'{{source}}' leaves the package {{own}}: import the other package by its name (@msec/…) and declare it in package.json",
    },
    schema: [],
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const own = packageRootOf(dirname(filename));
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = resolve(dirname(filename), source);
      if (target === own || target.startsWith(own + sep)) return;
      context.report({ node: node.source, messageId: 'leaves', data: { source, own: relative(process.cwd(), own) || '.' } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { 'no-cross-package-relative': noCrossPackageRelative } };
