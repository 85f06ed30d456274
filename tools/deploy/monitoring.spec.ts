/**
 * k8s/monitoring/grafana-dashboard.json: valid, and charting only metrics the processes
 * export (or, for the workers' and the event-dispatcher's metrics, the names the deployment
 * doc promises).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, WORKSPACE_ROOT } from './app-env';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ refId: string; expr: string }>;
}

const dashboard = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'k8s/monitoring/grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  title: string;
  description: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
};
const deploymentDoc = readFileSync(join(WORKSPACE_ROOT, 'docs/DEPLOYMENT.md'), 'utf8');
const charted = dashboard.panels.filter((panel) => panel.type !== 'row');
// prom-client's default metrics (libs/runtime collects them in every process).
const NODE_DEFAULT_METRICS = new Set(['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']);

function metricNames(expression: string): string[] {
  const names = expression.match(/\b(?:gateway|worker|outbox|webhook|process|nodejs)_[a-z0-9_]+\b/g) ?? [];
  return names.map((name) => name.replace(/_(bucket|sum|count)$/, ''));
}

function sourceText(directory: string): string {
  return readdirSync(directory)
    .map((entry) => join(directory, entry))
    .map((path) =>
      statSync(path).isDirectory()
        ? sourceText(path)
        : path.endsWith('.ts') && !path.endsWith('.spec.ts')
          ? readFileSync(path, 'utf8')
          : '',
    )
    .join('\n');
}

describe('k8s/monitoring/grafana-dashboard.json', () => {
  it('is a dashboard with unique panel ids and a Prometheus data source variable', () => {
    expect(dashboard.uid).toBe('messaging-inbound');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.find((variable) => variable.name === 'datasource')?.type).toBe('datasource');
    for (const panel of charted) {
      expect([panel.title, panel.datasource?.uid]).toEqual([panel.title, '${datasource}']);
      expect([panel.title, (panel.targets ?? []).length > 0]).toEqual([panel.title, true]);
    }
  });

  it("charts webhook calls by outcome, rejections, publishing, the workers' applied, retried, dead-lettered events and lag, and the dispatcher's relay and deliveries", () => {
    const used = new Set(charted.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNames(target.expr))));
    for (const name of [
      'gateway_webhook_requests_total',
      'gateway_webhook_rejections_total',
      'gateway_publish_confirm_seconds',
      'gateway_events_published_total',
      'worker_events_applied_total',
      'worker_events_dead_lettered_total',
      'worker_events_retried_total',
      'worker_queue_lag_seconds',
      'outbox_events_published_total',
      'outbox_publish_lag_seconds',
      'webhook_delivery_attempts_total',
      'webhook_delivery_first_attempt_latency_seconds',
      'webhook_circuits_open',
    ]) {
      expect([name, used.has(name)]).toEqual([name, true]);
    }
    const byOutcome = charted
      .flatMap((panel) => panel.targets ?? [])
      .some((target) => /sum by \(outcome\) \(rate\(gateway_webhook_requests_total/.test(target.expr));
    expect(byOutcome).toBe(true);
  });

  it('names every app in its description', () => {
    for (const app of APPS) expect([app, dashboard.description.includes(app)]).toEqual([app, true]);
  });

  it('uses only metrics the gateway registers, Node defaults, or worker and dispatcher metrics the deployment doc lists', () => {
    const gatewaySource = sourceText(join(WORKSPACE_ROOT, 'apps/webhook-gateway/src'));
    for (const panel of charted) {
      for (const target of panel.targets ?? []) {
        for (const name of metricNames(target.expr)) {
          if (name.startsWith('gateway_')) expect([name, gatewaySource.includes(`'${name}'`)]).toEqual([name, true]);
          else if (/^(worker|outbox|webhook)_/.test(name)) expect([name, deploymentDoc.includes(`\`${name}\``)]).toEqual([name, true]);
          else expect([name, NODE_DEFAULT_METRICS.has(name)]).toEqual([name, true]);
        }
      }
    }
  });
});
