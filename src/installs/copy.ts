/**
 * `fx-bridge store copy` brings the installations along with the relays (install mode): each is
 * copied exactly as stored, its secrets still sealed — the copy opens nothing and needs no key.
 * One already in the destination is left alone (an earlier or interrupted copy), and counted as
 * differing when it is not the same.
 */
import type { InstallationStorePort, StoredInstallation } from './port.js';

export interface InstallationCopyReport {
  read: number;
  copied: number;
  present: number;
  differing: number;
}

const PAGE = 100;

export async function copyInstallations(
  from: InstallationStorePort,
  to: InstallationStorePort,
): Promise<InstallationCopyReport> {
  const report: InstallationCopyReport = { read: 0, copied: 0, present: 0, differing: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await from.list(after, PAGE);
    for (const installation of page) {
      report.read += 1;
      const existing = await to.find(installation.key);
      if (!existing) {
        await to.save(withoutVersion(installation));
        report.copied += 1;
      } else {
        report.present += 1;
        if (JSON.stringify(withoutVersion(existing)) !== JSON.stringify(withoutVersion(installation))) {
          report.differing += 1;
        }
      }
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) return report;
    after = last.key;
  }
}

function withoutVersion(installation: StoredInstallation): Omit<StoredInstallation, 'version'> {
  const { version: _version, ...rest } = installation;
  return rest;
}
