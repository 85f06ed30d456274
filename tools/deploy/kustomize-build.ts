import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * The objects a kustomization renders to, from the real kustomize (`kubectl kustomize`), so
 * the tests check exactly what `kubectl apply -k` would send.
 */
export function renderKustomization(directory: string): K8sObject[] {
  let rendered: string;
  try {
    rendered = execFileSync('kubectl', ['kustomize', directory], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`kubectl kustomize ${directory} failed (kubectl is needed for the manifest tests): ${detail}`);
  }
  return parseAllDocuments(rendered).map((document) => {
    if (document.errors.length > 0) throw new Error(`kustomize output of ${directory}: ${document.errors[0].message}`);
    return document.toJS() as K8sObject;
  });
}

/** `registry/name:tag@digest` split into its parts (tag and digest optional). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, digest };
}
