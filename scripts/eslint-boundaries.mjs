// ESLint rule `wcf/boundaries`: the one-way import boundaries of docs/architecture.md, checked on resolved paths
// (so `../adapter/x` from extension/commands/ is extension/adapter/, not adapter/). Owns the layer table and its
// check; bare module names (`vscode`, Node built-ins) are restricted with no-restricted-imports in eslint.config.mjs.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Each area is a folder or file of the repo; a file belongs to the longest one containing it. `runtime` lists
 * the areas it may import code from (its own always; a sub-area only if listed), `types` those it may import only
 * with `import type` (erased by the compiler, so no code crosses). Files in no area (tests, scripts) are free;
 * an area importing a file in no area (test/, scripts/) is an error.
 */
export const AREAS = {
  'adapter/common': { runtime: [] },
  'adapter/timeline/schema.ts': { runtime: [] },
  'adapter/timeline': { runtime: ['adapter/timeline/schema.ts', 'adapter/common'] },
  'adapter/evaluate': { runtime: ['adapter/timeline', 'adapter/common'] },
  'adapter/replay': { runtime: ['adapter/evaluate', 'adapter/timeline', 'adapter/common'] },
  'adapter/recording': { runtime: ['adapter/common'] },
  'adapter/session': {
    runtime: ['adapter/replay', 'adapter/evaluate', 'adapter/timeline', 'adapter/recording', 'adapter/common'],
  },
  adapter: { runtime: ['adapter/session', 'adapter/common'] },
  extension: { runtime: [], types: ['adapter'] },
  webview: { runtime: [], types: ['extension/protocol.ts'] },
};

const areaNames = Object.keys(AREAS).sort((a, b) => b.length - a.length);

const stem = (p) => p.replace(/\.(d\.ts|ts|tsx|js|mjs|cjs|json)$/, '');

/** `relPath` (a file, with or without its extension, or a folder) is `area` or inside it. */
function within(relPath, area) {
  return stem(relPath) === stem(area) || relPath.startsWith(area + '/');
}

/** The area of a repo-relative path ('adapter/replay/stepping.ts' -> 'adapter/replay'), or undefined. */
export function areaOf(relPath) {
  return areaNames.find((a) => within(relPath, a));
}

/** An import of `target` from area `from` is allowed at run time, only as a type, or not at all. */
function verdict(from, target) {
  const rules = AREAS[from];
  if (areaOf(target) === from || rules.runtime.some((a) => within(target, a))) return 'runtime';
  if ((rules.types || []).some((a) => within(target, a))) return 'types';
  return 'none';
}

function isTypeOnly(node) {
  if (node.type === 'ImportDeclaration') {
    return node.importKind === 'type'
      || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
  }
  if (node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') return node.exportKind === 'type';
  return false;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'one-way import boundaries between extension/, webview/ and the adapter layers' },
    schema: [],
    messages: {
      forbidden: '{{from}} must not import {{target}} ({{why}}); see docs/architecture.md "Boundaries".',
    },
  },
  create(context) {
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const from = areaOf(file);
    if (!from) return {};
    function check(node, source) {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const resolved = path.resolve(path.dirname(context.filename), source.value);
      const target = path.relative(root, resolved).split(path.sep).join('/');
      const allowed = verdict(from, target);
      if (allowed === 'runtime' || (allowed === 'types' && isTypeOnly(node))) return;
      const may = [...AREAS[from].runtime, ...(AREAS[from].types || []).map((t) => `types of ${t}`)];
      const why = allowed === 'types' ? 'only `import type` may cross this boundary'
        : `${from} may import ${may.join(', ') || 'nothing outside itself'}`;
      context.report({ node: source, messageId: 'forbidden', data: { from: file, target: source.value, why } });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportEqualsDeclaration: (node) => check(node, node.moduleReference.expression),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, node.arguments[0]);
      },
    };
  },
};

export default { rules: { boundaries: rule } };
