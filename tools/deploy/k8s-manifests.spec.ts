/**
 * k8s/: the base and the production overlay render, conform to the Kubernetes API schemas
 * (offline), and keep our own rules: probes, resources, a locked-down security context,
 * pinned images, env names the apps actually read, credentials only by Secret reference,
 * only /webhooks/ public, and shutdown periods that fit the processes' 25 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, envNamesOf, WORKSPACE_ROOT, type Deployable } from './app-env';
import { findUnknownFields, validateAgainstSchema } from './k8s-schema';
import { parseImage, renderKustomization, type K8sObject } from './kustomize-build';

// Loose views of the fields the rules read; the schema tests check the shapes.
interface Probe {
  httpGet?: { path?: string; port?: number | string };
}
interface EnvVar {
  name: string;
  value?: unknown;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  command?: string[];
  args?: string[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown> & { seccompProfile?: { type?: string } };
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: Array<{ topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } }>;
  restartPolicy?: string;
}
interface Workload {
  object: K8sObject;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  pod: PodSpec;
}

const SECRET_NAME = 'messaging-inbound-secrets';
const GRACEFUL_STOP_SECONDS = 25; // runProcess's grace period in libs/runtime
const HEALTH_PORT_VARIABLE: Record<(typeof APPS)[number], string> = {
  'webhook-gateway': 'PORT',
  'status-worker': 'HEALTH_PORT',
  'inbound-worker': 'HEALTH_PORT',
  'event-dispatcher': 'HEALTH_PORT',
};

const renders: Array<[string, K8sObject[]]> = [
  ['k8s/base', renderKustomization(join(WORKSPACE_ROOT, 'k8s/base'))],
  ['k8s/overlays/production', renderKustomization(join(WORKSPACE_ROOT, 'k8s/overlays/production'))],
];
const envNames = new Map<Deployable, Set<string>>([...APPS, 'migrate' as const].map((app) => [app, envNamesOf(app)]));

function ofKind<T = Record<string, unknown>>(objects: K8sObject[], kind: string): Array<K8sObject & T> {
  return objects.filter((object) => object.kind === kind) as Array<K8sObject & T>;
}

function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'Job')
    .map((object) => {
      const template = (
        object.spec as { template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } }
      ).template;
      return { object, labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {}, pod: template.spec };
    });
}

function allContainers(workload: Workload): Container[] {
  return [...workload.pod.containers, ...(workload.pod.initContainers ?? [])];
}

function configMapData(objects: K8sObject[], name: string): Record<string, string> {
  const configMap = ofKind<{ data?: Record<string, string> }>(objects, 'ConfigMap').find((object) => object.metadata.name === name);
  if (!configMap) throw new Error(`ConfigMap ${name} is referenced but not defined`);
  return configMap.data ?? {};
}

/** Every variable a container gets: its env entries and the keys of the ConfigMaps it loads. */
function containerEnv(objects: K8sObject[], container: Container): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef)
      for (const [key, value] of Object.entries(configMapData(objects, source.configMapRef.name))) env.set(key, value);
  }
  for (const variable of container.env ?? []) env.set(variable.name, typeof variable.value === 'string' ? variable.value : undefined);
  return env;
}

function deployableOf(container: Container): Deployable {
  const app = container.name as Deployable;
  if (!envNames.has(app)) throw new Error(`container ${container.name} is none of ${[...envNames.keys()].join(', ')}`);
  return app;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return (
    selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value)
  );
}

function healthPortOf(objects: K8sObject[], container: Container): number {
  const app = deployableOf(container) as (typeof APPS)[number];
  const value = containerEnv(objects, container).get(HEALTH_PORT_VARIABLE[app]);
  if (value === undefined) throw new Error(`${container.name} does not set ${HEALTH_PORT_VARIABLE[app]}`);
  return Number(value);
}

function namedPort(container: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** Where subscriber URLs must never lead: private, CGNAT, loopback and link-local (cloud metadata) IPv4 ranges. */
const INTERNAL_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8'];
/** DNS, PostgreSQL, RabbitMQ (amqp, amqps): the ports the event-dispatcher may reach at internal addresses. */
const INFRASTRUCTURE_PORTS = [53, 5432, 5671, 5672];

function ipv4Range(cidr: string): { first: number; bits: number } {
  const [address, bits] = cidr.split('/');
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return { first: value - (value % size), bits: Number(bits) };
}

/** Whether the IPv4 range `outer` holds all of `inner`. */
function covers(outer: string, inner: string): boolean {
  const a = ipv4Range(outer);
  const b = ipv4Range(inner);
  return a.bits <= b.bits && Math.floor(b.first / 2 ** (32 - a.bits)) === a.first / 2 ** (32 - a.bits);
}

/** The internal ranges an ipBlock still reaches after its exceptions. */
function internalRangesReached(block: { cidr: string; except?: string[] }): string[] {
  return INTERNAL_RANGES.filter((range) => {
    // The part of `range` inside the block: the smaller of the two when one holds the other.
    const overlap = covers(block.cidr, range) ? range : covers(range, block.cidr) ? block.cidr : undefined;
    return overlap !== undefined && !(block.except ?? []).some((exception) => covers(exception, overlap));
  });
}

describe.each(renders)('%s', (_name, objects) => {
  const deployments = workloads(objects).filter((workload) => workload.object.kind === 'Deployment');

  it('renders the four apps, their Services, autoscalers, disruption budgets, the Ingress, policies and the migration Job', () => {
    expect(deployments.map((workload) => workload.object.metadata.name).sort()).toEqual([...APPS].sort());
    for (const kind of ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect(
        ofKind(objects, kind)
          .map((object) => object.metadata.name)
          .sort(),
      ).toEqual([...APPS].sort());
    }
    expect(ofKind(objects, 'Ingress')).toHaveLength(1);
    expect(ofKind(objects, 'Job')).toHaveLength(1);
    expect(ofKind(objects, 'NetworkPolicy').length).toBeGreaterThanOrEqual(3);
  });

  it('conforms to the Kubernetes OpenAPI schema of each kind', () => {
    expect(objects.flatMap(validateAgainstSchema)).toEqual([]);
  });

  it('has no field the Kubernetes API does not know', () => {
    expect(findUnknownFields(objects)).toEqual([]);
  });

  it('gives every Deployment container liveness and readiness probes on its health routes and port', () => {
    for (const { pod } of deployments) {
      for (const container of pod.containers) {
        const port = healthPortOf(objects, container);
        expect([container.name, container.livenessProbe?.httpGet?.path]).toEqual([container.name, '/health/live']);
        // The gateway's probe asks only whether it can accept calls (RabbitMQ); see docs/GATEWAY.md.
        const readiness = container.name === 'webhook-gateway' ? '/health/accepting' : '/health/ready';
        expect([container.name, container.readinessProbe?.httpGet?.path]).toEqual([container.name, readiness]);
        expect([container.name, namedPort(container, container.livenessProbe?.httpGet?.port)]).toEqual([container.name, port]);
        expect([container.name, namedPort(container, container.readinessProbe?.httpGet?.port)]).toEqual([container.name, port]);
      }
    }
  });

  it('gives every container cpu and memory requests and limits', () => {
    for (const workload of workloads(objects)) {
      for (const container of allContainers(workload)) {
        for (const bound of ['requests', 'limits'] as const) {
          expect([container.name, bound, Object.keys(container.resources?.[bound] ?? {}).sort()]).toEqual([
            container.name,
            bound,
            ['cpu', 'memory'],
          ]);
        }
      }
    }
  });

  it('runs every container as non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    for (const workload of workloads(objects)) {
      const podContext = workload.pod.securityContext ?? {};
      for (const container of allContainers(workload)) {
        const context = { ...podContext, ...container.securityContext };
        const where = `${workload.object.metadata.name}/${container.name}`;
        expect([where, context.runAsNonRoot]).toEqual([where, true]);
        // runAsNonRoot cannot be verified against a non-numeric image user: give the uid.
        expect([where, typeof context.runAsUser === 'number' && context.runAsUser > 0]).toEqual([where, true]);
        expect([where, container.securityContext?.readOnlyRootFilesystem]).toEqual([where, true]);
        expect([where, container.securityContext?.allowPrivilegeEscalation]).toEqual([where, false]);
        expect([where, container.securityContext?.capabilities?.drop]).toEqual([where, ['ALL']]);
        expect([where, container.securityContext?.capabilities?.add ?? []]).toEqual([where, []]);
        expect([where, (context.seccompProfile as { type?: string } | undefined)?.type]).toEqual([where, 'RuntimeDefault']);
      }
    }
  });

  it('pins every image to a release tag or a digest, never latest', () => {
    for (const workload of workloads(objects)) {
      for (const container of allContainers(workload)) {
        const image = parseImage(container.image ?? '');
        const pinned = image.digest !== undefined || (image.tag !== undefined && image.tag !== 'latest' && /\d/.test(image.tag));
        expect([container.image, pinned]).toEqual([container.image, true]);
      }
    }
  });

  it('sets only env names the app reads, with string values', () => {
    for (const workload of workloads(objects)) {
      for (const container of allContainers(workload)) {
        const known = envNames.get(deployableOf(container)) as Set<string>;
        for (const name of containerEnv(objects, container).keys())
          expect([container.name, name, known.has(name)]).toEqual([container.name, name, true]);
        for (const variable of container.env ?? []) {
          if (variable.value !== undefined) expect([variable.name, typeof variable.value]).toEqual([variable.name, 'string']);
        }
      }
    }
    for (const configMap of ofKind<{ data?: Record<string, unknown> }>(objects, 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) expect([key, typeof value]).toEqual([key, 'string']);
    }
  });

  it('takes credentials only from the Secret by key reference, and commits no Secret', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
    for (const workload of workloads(objects)) {
      for (const container of allContainers(workload)) {
        expect((container.envFrom ?? []).filter((source) => source.secretRef)).toEqual([]);
        for (const variable of container.env ?? []) {
          const reference = variable.valueFrom?.secretKeyRef;
          if (reference) expect([variable.name, reference.name]).toEqual([variable.name, SECRET_NAME]);
        }
        for (const name of ['DATABASE_URL', 'RABBITMQ_URL', 'ADMIN_API_TOKEN', 'CREDENTIALS_KEY', 'REALTIME_TOKEN_SECRET']) {
          const variable = container.env?.find((candidate) => candidate.name === name);
          if (variable || containerEnv(objects, container).has(name))
            expect([name, variable?.valueFrom?.secretKeyRef?.key]).toEqual([name, name]);
        }
      }
    }
  });

  it('exposes only the /webhooks/ prefix of the gateway through the Ingress', () => {
    const [ingress] = ofKind<{
      spec: { defaultBackend?: unknown; rules: Array<{ host?: string; http: { paths: Array<Record<string, unknown>> } }> };
    }>(objects, 'Ingress');
    expect(ingress.spec.defaultBackend).toBeUndefined();
    const paths = ingress.spec.rules.flatMap((rule) => rule.http.paths);
    expect(paths).toEqual(
      ingress.spec.rules.map(() => ({
        path: '/webhooks/',
        pathType: 'Prefix',
        backend: { service: { name: 'webhook-gateway', port: { name: 'http' } } },
      })),
    );
    expect(ingress.spec.rules.every((rule) => typeof rule.host === 'string' && rule.host.length > 0)).toBe(true);
  });

  it('points Services, autoscalers, disruption budgets and policies at the Deployments and their ports', () => {
    const podLabels = deployments.map((workload) => workload.labels);
    for (const service of ofKind<{ spec: { selector: Record<string, string>; ports: Array<{ targetPort: string | number }> } }>(
      objects,
      'Service',
    )) {
      const target = deployments.find((workload) => selects(service.spec.selector, workload.labels));
      expect([service.metadata.name, target?.object.metadata.name]).toEqual([service.metadata.name, service.metadata.name]);
      for (const port of service.spec.ports) expect(namedPort((target as Workload).pod.containers[0], port.targetPort)).toBeDefined();
    }
    for (const hpa of ofKind<{ spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number } }>(
      objects,
      'HorizontalPodAutoscaler',
    )) {
      expect(hpa.spec.scaleTargetRef.kind).toBe('Deployment');
      expect(deployments.map((workload) => workload.object.metadata.name)).toContain(hpa.spec.scaleTargetRef.name);
      // Two replicas at least, so a disruption budget of one leaves one serving.
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    }
    for (const deployment of deployments)
      expect([deployment.object.metadata.name, (deployment.object.spec as Record<string, unknown>).replicas]).toEqual([
        deployment.object.metadata.name,
        undefined,
      ]);
    for (const pdb of ofKind<{ spec: { selector: { matchLabels: Record<string, string> } } }>(objects, 'PodDisruptionBudget')) {
      expect(podLabels.filter((labels) => selects(pdb.spec.selector.matchLabels, labels))).toHaveLength(1);
    }
    for (const policy of ofKind<{ spec: { podSelector: { matchLabels?: Record<string, string> } } }>(objects, 'NetworkPolicy')) {
      const selector = policy.spec.podSelector.matchLabels;
      if (selector && Object.keys(selector).length > 0) expect(podLabels.some((labels) => selects(selector, labels))).toBe(true);
    }
  });

  it('spreads every Deployment across zones and nodes', () => {
    for (const { object, labels, pod } of deployments) {
      const keys = (pod.topologySpreadConstraints ?? [])
        .filter((constraint) => selects(constraint.labelSelector?.matchLabels, labels))
        .map((constraint) => constraint.topologyKey);
      expect([object.metadata.name, keys.sort()]).toEqual([
        object.metadata.name,
        ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'],
      ]);
    }
  });

  it('gives each process its 25 s to stop, and the gateway a preStop pause on top', () => {
    for (const { object, pod } of deployments) {
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      const preStop = pod.containers[0].lifecycle?.preStop?.exec?.command;
      const pause = preStop?.[0] === 'sleep' ? Number(preStop[1]) : 0;
      if (object.metadata.name === 'webhook-gateway') expect(pause).toBeGreaterThan(0);
      else expect([object.metadata.name, grace]).toEqual([object.metadata.name, 30]);
      // The kubelet counts the preStop hook against the grace period.
      expect(grace).toBeGreaterThanOrEqual(pause + GRACEFUL_STOP_SECONDS);
    }
  });

  it('annotates pods for Prometheus with their health port and /metrics', () => {
    for (const { annotations, pod } of deployments) {
      expect(annotations['prometheus.io/scrape']).toBe('true');
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      expect(annotations['prometheus.io/port']).toBe(String(healthPortOf(objects, pod.containers[0])));
    }
  });

  it('lets the event-dispatcher reach public addresses on any port, internal ones only for DNS, PostgreSQL and RabbitMQ', () => {
    type Peer = { ipBlock?: { cidr: string; except?: string[] }; namespaceSelector?: unknown; podSelector?: unknown };
    type Rule = { to?: Peer[]; ports?: Array<{ port?: number | string; protocol?: string }> };
    type Policy = { spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes?: string[]; egress?: Rule[] } };
    const dispatcher = deployments.find((workload) => workload.object.metadata.name === 'event-dispatcher') as Workload;
    const egressPolicies = ofKind<Policy>(objects, 'NetworkPolicy').filter(
      (policy) =>
        (policy.spec.policyTypes ?? []).includes('Egress') &&
        (Object.keys(policy.spec.podSelector.matchLabels ?? {}).length === 0 ||
          selects(policy.spec.podSelector.matchLabels, dispatcher.labels)),
    );
    // Without a policy of type Egress selecting it, a pod's egress is open.
    expect(egressPolicies.length).toBeGreaterThan(0);
    const rules = egressPolicies.flatMap((policy) => policy.spec.egress ?? []);
    for (const rule of rules) {
      const ports = (rule.ports ?? []).map((port) => port.port);
      const infrastructureOnly = ports.length > 0 && ports.every((port) => INFRASTRUCTURE_PORTS.includes(Number(port)));
      if (infrastructureOnly) continue;
      // Any other port: only ipBlocks (no pods, namespaces, or everything), none reaching an internal range.
      expect([ports, (rule.to ?? []).length > 0]).toEqual([ports, true]);
      for (const peer of rule.to ?? []) {
        expect(Object.keys(peer)).toEqual(['ipBlock']);
        const block = peer.ipBlock as { cidr: string; except?: string[] };
        // IPv4 only, as the manifests are; an IPv6 block needs its own internal ranges here.
        expect(block.cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
        expect([block.cidr, internalRangesReached(block)]).toEqual([block.cidr, []]);
      }
    }
    // What it needs: the cluster DNS over UDP, PostgreSQL and RabbitMQ, and the internet.
    const allows = (port: number, protocol: string) =>
      rules.some((rule) => (rule.ports ?? []).some((candidate) => candidate.port === port && (candidate.protocol ?? 'TCP') === protocol));
    for (const [port, protocol] of [
      [53, 'UDP'],
      [5432, 'TCP'],
      [5672, 'TCP'],
    ] as const)
      expect([port, protocol, allows(port, protocol)]).toEqual([port, protocol, true]);
    const anyPortBlocks = rules.filter((rule) => (rule.ports ?? []).length === 0).flatMap((rule) => rule.to ?? []);
    expect(anyPortBlocks.map((peer) => peer.ipBlock?.cidr)).toContain('0.0.0.0/0');
  });

  it('runs the migration once, as a Job selected by the component=migration label', () => {
    const [job] = workloads(objects).filter((workload) => workload.object.kind === 'Job');
    expect(job.object.metadata.labels?.['app.kubernetes.io/component']).toBe('migration');
    expect(job.pod.restartPolicy).toBe('Never');
    expect(job.pod.containers.map((container) => container.name)).toEqual(['migrate']);
    expect((job.object.spec as { backoffLimit?: number }).backoffLimit).toBeLessThanOrEqual(3);
    // Nothing else may carry the label, or step 1 of the deploy order would apply it early.
    expect(objects.filter((object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'migration')).toEqual([job.object]);
  });
});

describe('k8s/overlays/production', () => {
  const objects = renders[1][1];

  it('puts every object in namespace messaging-inbound', () => {
    expect(objects.filter((object) => object.metadata.namespace !== 'messaging-inbound')).toEqual([]);
  });

  it('serves WEBHOOK_BASE_URL over https on the Ingress host', () => {
    const [ingress] = ofKind<{ spec: { rules: Array<{ host: string }>; tls: Array<{ hosts: string[] }> } }>(objects, 'Ingress');
    const base = new URL(configMapData(objects, 'webhook-gateway-config').WEBHOOK_BASE_URL);
    expect(base.protocol).toBe('https:');
    expect(ingress.spec.rules.map((rule) => rule.host)).toEqual([base.host]);
    expect(ingress.spec.tls.flatMap((tls) => tls.hosts)).toEqual([base.host]);
  });

  it('admits traffic to the gateway only from the ingress controller and monitoring, to the workers only from monitoring', () => {
    type Policy = {
      spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes: string[];
        ingress?: Array<{ from?: Array<Record<string, { matchLabels?: Record<string, string> }>> }>;
      };
    };
    const policies = ofKind<Policy>(objects, 'NetworkPolicy');
    const denyAll = policies.find((policy) => Object.keys(policy.spec.podSelector.matchLabels ?? {}).length === 0);
    expect(denyAll?.spec.policyTypes).toEqual(['Ingress']);
    expect(denyAll?.spec.ingress ?? []).toEqual([]);
    const sourcesFor = (labels: Record<string, string>) =>
      policies
        .filter((policy) => selects(policy.spec.podSelector.matchLabels, labels))
        .flatMap((policy) => policy.spec.ingress ?? [])
        .flatMap((rule) => {
          // A rule without `from` admits everyone: report it as such.
          if (!rule.from) return ['*'];
          return rule.from.map((peer) =>
            Object.keys(peer).length === 1 && peer.namespaceSelector
              ? (peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? '*')
              : '*',
          );
        })
        .sort();
    for (const { object, labels } of workloads(objects)) {
      const expected =
        object.metadata.name === 'webhook-gateway' ? ['ingress-nginx', 'monitoring'] : object.kind === 'Job' ? [] : ['monitoring'];
      expect([object.metadata.name, sourcesFor(labels)]).toEqual([object.metadata.name, expected]);
    }
  });
});

describe('docs/DEPLOYMENT.md', () => {
  const doc = readFileSync(join(WORKSPACE_ROOT, 'docs/DEPLOYMENT.md'), 'utf8');

  it('lists every key the manifests read from the Secret', () => {
    const keys = new Set<string>();
    for (const [, objects] of renders) {
      for (const workload of workloads(objects)) {
        for (const container of allContainers(workload))
          for (const variable of container.env ?? []) if (variable.valueFrom?.secretKeyRef) keys.add(variable.valueFrom.secretKeyRef.key);
      }
    }
    expect(keys.size).toBeGreaterThan(0);
    for (const key of keys) expect([key, doc.includes(`\`${key}\``)]).toEqual([key, true]);
    expect(doc).toContain(SECRET_NAME);
  });
});
