// @ts-check
// Local ESLint rule: the dependency direction of docs/architecture.md, checked on every import.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const APP = path.join(ROOT, 'apps/api/src');
const LIBS = path.join(ROOT, 'libs');
const ALIASES = {
  '@app/common': path.join(ROOT, 'libs/common/src'),
  '@app/robot-sim': path.join(ROOT, 'libs/robot-sim/src'),
};

/** Absolute path an import names, or null for a package. */
function resolve(source, file) {
  if (source.startsWith('.')) return path.resolve(path.dirname(file), source);
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (source === alias || source.startsWith(`${alias}/`)) {
      return path.join(target, source.slice(alias.length));
    }
  }
  return null;
}

/** The feature folder of apps/api/src a path lies in ('' for the root files), or null. */
function featureOf(absolute) {
  const rel = path.relative(APP, absolute);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  if (parts.length > 1) return parts[0];
  // A feature folder itself (its index.ts), or one of the root files (main, app.module…).
  return existsSync(absolute) && statSync(absolute).isDirectory() ? parts[0] : '';
}

const within = (absolute, dir) => !path.relative(dir, absolute).startsWith('..');

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the dependency direction of docs/architecture.md' },
    schema: [
      {
        type: 'object',
        properties: {
          forbidden: { type: 'object', additionalProperties: { type: 'array' } },
          deepImportsAllowed: { type: 'array', items: { type: 'string' } },
          entityListers: { type: 'array', items: { type: 'string' } },
          knownViolations: { type: 'array' },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      libsImportApps: 'libs/ never imports apps/: move what both need into libs.',
      againstDirection: '{{from}}/ must not depend on {{to}}/ (docs/architecture.md).',
      notThroughEntry:
        "Import {{to}}/ through its entry point ('{{entry}}'), not one of its files.",
      roleModule:
        '{{name}} is composed by role in app.module.ts; import the core module of {{to}}/ instead.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const forbidden = options.forbidden ?? {};
    const deepAllowed = new Set(options.deepImportsAllowed ?? []);
    const entityListers = new Set(options.entityListers ?? []);
    const known = options.knownViolations ?? [];
    const file = context.filename;
    const from = featureOf(file);
    const inLibs = within(file, LIBS);

    /** Http/Worker modules are the roles' parts: only the root (app.module) picks them. */
    function checkRoleModules(node, to) {
      for (const specifier of node.specifiers ?? []) {
        const name = specifier.imported?.name ?? specifier.local?.name;
        if (typeof name === 'string' && /(Http|Worker)Module$/.test(name)) {
          context.report({ node: specifier, messageId: 'roleModule', data: { name, to } });
        }
      }
    }

    function check(node, source) {
      if (typeof source !== 'string') return;
      const target = resolve(source, file);
      if (!target) return;
      if (inLibs) {
        if (featureOf(target) !== null || within(target, path.join(ROOT, 'apps'))) {
          context.report({ node, messageId: 'libsImportApps' });
        }
        return;
      }
      if (from === null) return;
      const to = featureOf(target);
      if (to === null || to === '' || to === from) return;
      const relFile = path.relative(ROOT, file);
      if (known.some((k) => k.file === relFile && k.to === to)) return;
      if ((forbidden[from] ?? []).includes(to)) {
        context.report({ node, messageId: 'againstDirection', data: { from, to } });
        return;
      }
      if (from !== '') checkRoleModules(node, to);
      const entry = path.join(APP, to);
      const isEntry = target === entry || target === path.join(entry, 'index');
      if (isEntry || deepAllowed.has(from) || deepAllowed.has(to)) return;
      if (entityListers.has(from) && /\/entities\/[^/]+\.entity$/.test(target)) return;
      const suggestion = path.relative(path.dirname(file), entry);
      context.report({
        node,
        messageId: 'notThroughEntry',
        data: { to, entry: suggestion.startsWith('.') ? suggestion : `./${suggestion}` },
      });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
