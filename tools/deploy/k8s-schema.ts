// Offline validation against kubernetes-models' schemas (no cluster). The OpenAPI schemas allow unknown fields, which the
// API server drops or refuses, so findUnknownFields type-checks each object as a literal of its kind's interface.
import { join } from 'node:path';
import * as ts from 'typescript';
import type { K8sObject } from './kustomize-build';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** `apps/v1` + `Deployment` -> `kubernetes-models/apps/v1/Deployment` (core group: `v1`). */
export function modelModule(object: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  return `kubernetes-models/${object.apiVersion}/${object.kind}`;
}

function loadModel(object: K8sObject): ModelClass {
  let exported: Record<string, unknown>;
  try {
    exported = require(modelModule(object)) as Record<string, unknown>;
  } catch {
    throw new Error(`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`);
  }
  return exported[object.kind] as ModelClass;
}

export function describe(object: K8sObject): string {
  return `${object.kind}/${object.metadata?.name ?? '?'}`;
}

/** Problems found by the OpenAPI schema of the object's kind; empty when it conforms. */
export function validateAgainstSchema(object: K8sObject): string[] {
  const Model = loadModel(object);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${describe(object)}: ${(error as Error).message}`];
  }
}

/** Unknown fields (and wrong types) in each object, by type-checking it against its kind's interface. */
export function findUnknownFields(objects: K8sObject[]): string[] {
  // A virtual file at the workspace root, so `kubernetes-models` resolves from node_modules.
  const fileName = join(__dirname, '..', '..', 'k8s-objects.virtual.ts').replace(/\\/g, '/');
  const lines = objects.map((object, index) => {
    loadModel(object); // a clear error for a kind the package does not know
    return `import type { I${object.kind} as T${index} } from '${modelModule(object)}';\nexport const o${index}: T${index} = ${JSON.stringify(object)};`;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.fileExists = (
    (exists) => (name: string) =>
      name === fileName || exists(name)
  )(host.fileExists.bind(host));
  host.getSourceFile = (name, language, onError, create) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, onError, create);
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName) as ts.SourceFile;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((diagnostic) => {
    const line = diagnostic.start === undefined ? 0 : file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const object = objects[Math.floor(line / 2)];
    return `${object ? describe(object) : fileName}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}
