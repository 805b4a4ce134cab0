import { expect } from 'chai';
import ts from 'typescript';

const entries = ['src/index.ts', 'src/operators/index.ts', 'src/threads/index.ts'];

/** Every name an entry point exports, with its documentation comment as an editor would show it. */
function exportedDocs(): { entry: string; name: string; doc: string }[] {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const docOf = (symbol: ts.Symbol): string =>
    ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  // Public, and declared here: not inherited from Error or Promise, whose declarations are the lib's.
  const ours = (declaration: ts.Declaration): boolean =>
    !program.isSourceFileDefaultLibrary(declaration.getSourceFile()) &&
    !(ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) &&
    !ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'internal');
  const isPublic = (member: ts.Symbol): boolean =>
    !member.name.includes('#') && (member.declarations ?? []).every(ours);
  return entries.flatMap((entry) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    return checker.getExportsOfModule(module).flatMap((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      // Re-exported from a dependency (Result): its documentation is that package's.
      if (program.isSourceFileFromExternalLibrary(target.declarations![0]!.getSourceFile())) return [];
      const documented = [{ entry, name: symbol.name, doc: docOf(target) }];
      if (!(target.flags & ts.SymbolFlags.Class)) return documented;
      // A class's public members, instance and static, its own and inherited.
      const members = [
        ...checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target)),
        ...checker.getPropertiesOfType(checker.getTypeOfSymbol(target)).filter((m) => m.name !== 'prototype'),
      ].filter((member) => isPublic(member));
      return [
        ...documented,
        ...members.map((member) => ({ entry, name: `${symbol.name}.${member.name}`, doc: docOf(member) })),
      ];
    });
  });
}

describe('the public API', () => {
  it('documents every export of rxpool, rxpool/operators and rxpool/threads', function () {
    this.timeout(60_000);
    const docs = exportedDocs();
    expect(docs.map(({ name }) => name)).to.include.members([
      'Pool',
      'Pool.submit',
      'Future.cancel',
      'runInPool',
      'ThreadPool.run',
    ]);
    const undocumented = docs.filter(({ doc }) => doc === '').map(({ entry, name }) => `${entry}: ${name}`);
    expect(undocumented).to.deep.equal([]);
  });
});
