/**
 * The kustomize subset renderer: its pieces on small inputs, its refusals, and the same
 * output as the real kustomize (kubectl's built-in) for k8s/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './app-env';
import { applyJsonPatch, KustomizeError, parseImage, parseYamlDocuments, renderKustomization, type K8sObject } from './kustomize-lite';

describe('kustomize-lite', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  function write(path: string, text: string): void {
    mkdirSync(join(scratch, path, '..'), { recursive: true });
    writeFileSync(join(scratch, path), text);
  }

  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: example/app:1.0.0
      containers:
        - name: app
          image: example/app:1.0.0
        - name: sidecar
          image: example/sidecar@sha256:abc
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  KEY: "1"
`;

  it('parses image references with registries, ports, tags and digests', () => {
    expect(parseImage('node:20.20.2-bookworm-slim')).toEqual({ name: 'node', tag: '20.20.2-bookworm-slim', digest: undefined });
    expect(parseImage('registry:5000/team/app:1.2.3')).toEqual({ name: 'registry:5000/team/app', tag: '1.2.3', digest: undefined });
    expect(parseImage('registry:5000/team/app')).toEqual({ name: 'registry:5000/team/app', digest: undefined });
    expect(parseImage('app:1@sha256:abc')).toEqual({ name: 'app', tag: '1', digest: 'sha256:abc' });
  });

  it('applies JSON 6902 add, replace and remove, and refuses paths that do not exist', () => {
    const document = { a: { list: [1, 2, 3] }, b: 'x' };
    const patched = applyJsonPatch(document, [
      { op: 'replace', path: '/b', value: 'y' },
      { op: 'add', path: '/a/list/1', value: 9 },
      { op: 'add', path: '/a/list/-', value: 4 },
      { op: 'remove', path: '/a/list/0' },
      { op: 'add', path: '/a/key~1with~0chars', value: true },
    ]);
    expect(patched).toEqual({ a: { list: [9, 2, 3, 4], 'key/with~chars': true }, b: 'y' });
    expect(document.b).toBe('x');
    expect(() => applyJsonPatch(document, [{ op: 'replace', path: '/missing', value: 1 }])).toThrow(KustomizeError);
    expect(() => applyJsonPatch(document, [{ op: 'remove', path: '/a/list/7' }])).toThrow(KustomizeError);
  });

  it('renders resources, namespace, images and patches', () => {
    write('base/kustomization.yaml', 'resources:\n  - app.yaml\n');
    write('base/app.yaml', deployment);
    write(
      'overlay/kustomization.yaml',
      `namespace: team
resources:
  - ../base
images:
  - name: example/app
    newName: registry.test/app
    newTag: 2.0.0
patches:
  - target:
      kind: ConfigMap
      name: settings
    patch: |-
      - op: replace
        path: /data/KEY
        value: "2"
`,
    );
    const objects = renderKustomization(join(scratch, 'overlay'));
    expect(objects.map((object) => `${object.metadata.namespace}/${object.kind}/${object.metadata.name}`)).toEqual(['team/Deployment/app', 'team/ConfigMap/settings']);
    const pod = (objects[0].spec as { template: { spec: { containers: Array<{ image: string }>; initContainers: Array<{ image: string }> } } }).template.spec;
    expect(pod.initContainers[0].image).toBe('registry.test/app:2.0.0');
    expect(pod.containers.map((container) => container.image)).toEqual(['registry.test/app:2.0.0', 'example/sidecar@sha256:abc']);
    expect(objects[1].data).toEqual({ KEY: '2' });
  });

  it('refuses fields outside its subset, patches that match nothing, and duplicate objects', () => {
    write('a/kustomization.yaml', 'resources: [app.yaml]\ncommonLabels:\n  team: x\n');
    write('a/app.yaml', deployment);
    expect(() => renderKustomization(join(scratch, 'a'))).toThrow(/commonLabels/);
    write('b/kustomization.yaml', 'resources: [app.yaml]\npatches:\n  - target: {kind: Service, name: app}\n    patch: "[]"\n');
    write('b/app.yaml', deployment);
    expect(() => renderKustomization(join(scratch, 'b'))).toThrow(/matches nothing/);
    write('c/kustomization.yaml', 'resources: [app.yaml, again.yaml]\n');
    write('c/app.yaml', deployment);
    write('c/again.yaml', deployment);
    expect(() => renderKustomization(join(scratch, 'c'))).toThrow(/defined twice/);
    write('d/kustomization.yaml', 'resources: [missing.yaml]\n');
    expect(() => renderKustomization(join(scratch, 'd'))).toThrow(/does not exist/);
  });

  // The real kustomize is kubectl's built-in one (kubectl ships with this machine image).
  it.each(['k8s/base', 'k8s/overlays/production'])('renders %s exactly as kubectl kustomize does', (directory) => {
    const result = spawnSync('kubectl', ['kustomize', join(WORKSPACE_ROOT, directory)], { encoding: 'utf8' });
    if (result.error) throw new Error(`kubectl is needed for this comparison: ${result.error.message}`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const key = (object: K8sObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const byKey = (objects: K8sObject[]) => Object.fromEntries(objects.map((object) => [key(object), object]));
    const theirs = parseYamlDocuments(result.stdout, 'kubectl kustomize') as K8sObject[];
    expect(byKey(renderKustomization(join(WORKSPACE_ROOT, directory)))).toEqual(byKey(theirs));
  });
});
