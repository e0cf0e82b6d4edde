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

  it('docker compose runs the replicas on PostgreSQL, its data on a volume, with Redis as an option', () => {
    interface Service {
      profiles?: string[];
      environment?: Record<string, string>;
      volumes?: string[];
      healthcheck?: { test: string[] };
      depends_on?: Record<string, { condition: string; required?: boolean }>;
    }
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
    const { postgres, redis, bridge } = compose.services;
    expect(bridge?.environment?.STORE_URL).toMatch(
      /^\$\{STORE_URL:-postgres:\/\/fxbridge:\$\{POSTGRES_PASSWORD\}@postgres:5432\/fxbridge\}$/,
    );
    expect(postgres?.profiles).toBeUndefined();
    expect(postgres?.volumes?.[0]).toMatch(/^postgres-data:\/var\/lib\/postgresql\/data/);
    expect(postgres?.healthcheck?.test).toContain('pg_isready');
    expect(postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(bridge?.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(redis?.profiles).toEqual(['redis']);
    expect(bridge?.depends_on?.redis).toEqual({ condition: 'service_healthy', required: false });
  });

  it('Kubernetes takes STORE_URL, which holds a password, from the secret, and mounts the CA bundle it names', () => {
    const [deployment] = parseAllDocuments(read('deploy/kubernetes.yaml')).map((doc) => doc.toJS());
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    const env = container.env as { name: string; value?: string }[];
    expect(env.map((each) => each.name)).not.toContain('STORE_URL');
    expect(container.envFrom).toEqual([{ secretRef: { name: 'fx-bridge' } }]);
    const ca = env.find((each) => each.name === 'POSTGRES_CA_FILE')?.value ?? '';
    const mount = container.volumeMounts.find((each: { mountPath: string }) =>
      ca.startsWith(`${each.mountPath}/`),
    );
    expect(mount?.name).toBe('postgres-ca');
    expect(spec.volumes).toContainEqual({
      name: 'postgres-ca',
      secret: { secretName: 'fx-bridge-postgres-ca' },
    });
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
