/**
 * Renders a kustomization the way `kustomize build` does, for the subset k8s/ uses:
 * `resources` (files and directories), `namespace`, `images`, and `patches` given as inline
 * JSON 6902 operations with a kind/name target. Any other field is refused, so the
 * kustomizations cannot grow past what this renders (and what the tests check) unnoticed.
 * kustomize-parity.spec.ts compares the result with the real kustomize.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

interface PatchRule {
  target: { kind: string; name: string };
  patch: string;
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
// Kinds that have no namespace; the namespace field leaves them alone.
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass']);

export class KustomizeError extends Error {}

/** Parses every document of a YAML file (or text) into plain objects; empty documents are dropped. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new KustomizeError(`${source}: ${document.errors[0].message}`);
    const value: unknown = document.toJS({ maxAliasCount: -1 });
    return value === null || value === undefined ? [] : [value];
  });
}

export function renderKustomization(directory: string): K8sObject[] {
  const dir = resolve(directory);
  const file = ['kustomization.yaml', 'kustomization.yml'].map((name) => join(dir, name)).find((path) => existsSync(path));
  if (!file) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const [kustomization] = parseYamlDocuments(readFileSync(file, 'utf8'), file) as Array<Record<string, unknown>>;
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new KustomizeError(`${file}: field "${field}" is outside the subset kustomize-lite renders`);
  }

  let objects: K8sObject[] = [];
  for (const entry of (kustomization.resources as string[] | undefined) ?? []) {
    const path = join(dir, entry);
    if (!existsSync(path)) throw new KustomizeError(`${file}: resource ${entry} does not exist`);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readResourceFile(path)));
  }
  assertUnique(objects, file);

  // kustomize's order: patches, then the namespace, then images.
  for (const rule of (kustomization.patches as PatchRule[] | undefined) ?? []) objects = applyPatchRule(objects, rule, file);
  const namespace = kustomization.namespace as string | undefined;
  if (namespace !== undefined) {
    for (const object of objects) if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = namespace;
  }
  for (const rule of (kustomization.images as ImageRule[] | undefined) ?? []) {
    for (const object of objects) forEachContainer(object, (container) => applyImageRule(container, rule));
  }
  return objects;
}

function readResourceFile(path: string): K8sObject[] {
  return parseYamlDocuments(readFileSync(path, 'utf8'), path).map((value) => {
    const object = value as K8sObject;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new KustomizeError(`${path}: every document needs apiVersion, kind and metadata.name`);
    }
    return object;
  });
}

function assertUnique(objects: K8sObject[], file: string): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const id = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (seen.has(id)) throw new KustomizeError(`${file}: ${id} is defined twice`);
    seen.add(id);
  }
}

function applyPatchRule(objects: K8sObject[], rule: PatchRule, file: string): K8sObject[] {
  const targetKeys = Object.keys(rule.target ?? {});
  if (typeof rule.patch !== 'string' || targetKeys.some((key) => key !== 'kind' && key !== 'name') || !rule.target.kind || !rule.target.name) {
    throw new KustomizeError(`${file}: a patch must be inline JSON 6902 operations with a target of kind and name`);
  }
  const [operations] = parseYamlDocuments(rule.patch, `${file} patch`) as PatchOperation[][];
  if (!Array.isArray(operations)) throw new KustomizeError(`${file}: only JSON 6902 patches (a list of operations) are supported`);
  const matches = objects.filter((object) => object.kind === rule.target.kind && object.metadata.name === rule.target.name);
  if (matches.length === 0) throw new KustomizeError(`${file}: patch target ${rule.target.kind}/${rule.target.name} matches nothing`);
  return objects.map((object) => (matches.includes(object) ? applyJsonPatch(object, operations, file) : object));
}

/** RFC 6902 add, replace and remove. */
export function applyJsonPatch<T>(document: T, operations: PatchOperation[], source = 'patch'): T {
  const result = structuredClone(document);
  for (const { op, path, value } of operations) {
    const tokens = path.split('/').slice(1).map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (path[0] !== '/' || tokens.length === 0) throw new KustomizeError(`${source}: bad path "${path}"`);
    const last = tokens.pop() as string;
    let parent: unknown = result;
    for (const token of tokens) {
      parent = Array.isArray(parent) ? parent[Number(token)] : (parent as Record<string, unknown> | undefined)?.[token];
      if (parent === null || typeof parent !== 'object') throw new KustomizeError(`${source}: ${path} does not exist`);
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      const inRange = Number.isInteger(index) && index >= 0 && (op === 'add' ? index <= parent.length : index < parent.length);
      if (!inRange) throw new KustomizeError(`${source}: ${path} is out of range`);
      if (op === 'add') parent.splice(index, 0, structuredClone(value));
      else if (op === 'replace') parent[index] = structuredClone(value);
      else if (op === 'remove') parent.splice(index, 1);
      else throw new KustomizeError(`${source}: operation "${String(op)}" is not supported`);
    } else {
      const record = parent as Record<string, unknown>;
      if (op !== 'add' && !(last in record)) throw new KustomizeError(`${source}: ${path} does not exist`);
      if (op === 'add' || op === 'replace') record[last] = structuredClone(value);
      else if (op === 'remove') delete record[last];
      else throw new KustomizeError(`${source}: operation "${String(op)}" is not supported`);
    }
  }
  return result;
}

/** Calls back with every container and init container anywhere in the object (pod templates of any kind). */
export function forEachContainer(value: unknown, visit: (container: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item) => forEachContainer(item, visit));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
      for (const container of child) if (container && typeof container === 'object') visit(container as Record<string, unknown>);
    } else {
      forEachContainer(child, visit);
    }
  }
}

/** Splits an image reference into name, tag and digest (`registry:5000/a/b:1.2@sha256:…`). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, digest };
}

function applyImageRule(container: Record<string, unknown>, rule: ImageRule): void {
  if (typeof container.image !== 'string') return;
  const image = parseImage(container.image);
  if (image.name !== rule.name) return;
  const name = rule.newName ?? image.name;
  if (rule.digest) container.image = `${name}@${rule.digest}`;
  else if (rule.newTag) container.image = `${name}:${rule.newTag}`;
  else container.image = `${name}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}
