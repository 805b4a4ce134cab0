/**
 * Compiles `src/` and `bench/` to plain JavaScript in a temporary directory,
 * so that every sample runs the same compiled code, with no loader in the
 * child process. Transpile only: `npm run typecheck` is where types are checked.
 *
 * `src/` is compiled a second time into `src-stripped/` with the event code
 * removed: every `*Observed` check reads as `false` (so no event or snapshot
 * is ever built) and every `depthChanged(…)` call is gone. What the pool pays
 * for being observable while nobody observes it is the difference between
 * the two builds.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = fileURLToPath(new URL('..', import.meta.url));

const observedChecks = new Set(['eventsObserved', 'scalingObserved', 'stateObserved', 'depthObserved']);

/** A transformer that removes the event code, counting the sites it removed. */
function stripEvents(sites: { count: number }): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isPropertyAccessExpression(node) && observedChecks.has(node.name.text)) {
        sites.count++;
        return context.factory.createFalse();
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 'depthChanged'
      ) {
        sites.count++;
        return context.factory.createVoidZero();
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (file) => ts.visitNode(file, visit) as ts.SourceFile;
  };
}

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  sourceMap: false,
};

function* sources(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory() && entry.name !== 'results' && entry.name !== 'node_modules')
      yield* sources(path);
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** The compiled tree, and how to remove it. */
export interface Build {
  readonly directory: string;
  /** How many event-code sites `src-stripped/` has removed. */
  readonly strippedSites: number;
  remove(): void;
}

function emit(file: string, target: string, transformers?: ts.CustomTransformers): void {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    transformers,
  });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}

export function compile(): Build {
  const directory = mkdtempSync(join(tmpdir(), 'rxpool-bench-'));
  const output = (tree: string, file: string, into = tree): string =>
    join(directory, into, relative(join(root, tree), file)).replace(/\.ts$/, '.js');
  for (const tree of ['src', 'bench']) {
    for (const file of sources(join(root, tree))) emit(file, output(tree, file));
  }
  const sites = { count: 0 };
  const stripped = { before: [stripEvents(sites)] };
  for (const file of sources(join(root, 'src'))) {
    emit(file, output('src', file, 'src-stripped'), stripped);
  }
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
  symlinkSync(join(root, 'node_modules'), join(directory, 'node_modules'), 'dir');
  return {
    directory,
    strippedSites: sites.count,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

// Run by itself (`npx tsx bench/build.ts`), it compiles once, prints where, and
// leaves the tree for tools that measure a whole process (see `bench/repeat.ts`).
if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(compile().directory);
