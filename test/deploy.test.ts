/**
 * The deployment examples keep what makes them survive real life: restarts, a drain that fits in
 * Kubernetes' grace period, an nginx that re-resolves the replicas, an image without build leftovers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
/** How long the bridge waits for relays under way on SIGTERM (src/bridge.ts). */
const DRAIN_SECONDS = 25;

describe('deployment files', () => {
  it('docker compose restarts every service unless stopped', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { restart?: string }> };
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.restart, name).toBe('unless-stopped');
    }
  });

  it('Kubernetes pauses before stopping and gives the drain time to finish', () => {
    const [deployment] = parseAllDocuments(read('deploy/kubernetes.yaml')).map((doc) => doc.toJS());
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    const pause = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(pause).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(pause + DRAIN_SECONDS);
    expect(read('src/bridge.ts')).toContain(`options.drainTimeoutMs ?? ${DRAIN_SECONDS}_000`);
  });

  it('nginx re-resolves the replicas', () => {
    const conf = read('deploy/nginx.conf');
    expect(conf).toMatch(/^resolver \S+ valid=\d+s/m);
    expect(conf).toMatch(/server bridge:3000 resolve;/);
    expect(conf).toMatch(/zone fx_bridge/);
  });

  it('the README and the Dockerfile run the container with --restart unless-stopped and fx-bridge on the PATH', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('--restart unless-stopped');
    expect(dockerfile).toContain('ln -s /app/dist/cli.js /usr/local/bin/fx-bridge');
    expect(dockerfile).toMatch(/rm -rf node_modules\/better-sqlite3\/build\/Release\/obj\*/);
  });
});
