// `npm start`: loads settings, starts the control plane, prints where it listens (and a first-start admin token once).
import { BUILT_IN_PLATFORMS } from './channels/platforms.js';
import { loadSettings } from './config/settings.js';
import { createControlPlane } from './control-plane.js';
import { isClawError } from './errors/claw-error.js';
import { describeDatabase } from './store/data-source.js';

const ISOLATION: Record<string, string> = {
  pods: 'pods in a namespace per tenant',
  users: 'local processes, each as a user of its own',
  sandbox: 'local processes, each in a bubblewrap sandbox',
  none: 'local processes, NOT isolated: only the default tenant\'s',
  off: 'local processes, NOT isolated (turned off)',
};

function describeRuntime(kind: string, isolation: string): string {
  return `${kind === 'kubernetes' ? 'Kubernetes' : 'this machine'}: ${ISOLATION[isolation] ?? isolation}`;
}

async function main(): Promise<void> {
  const settings = loadSettings({ platforms: BUILT_IN_PLATFORMS });
  const plane = await createControlPlane(settings, { processMetrics: true });
  const url = await plane.listen();
  const base = url.replace('://0.0.0.0', '://127.0.0.1');
  process.stdout.write(
    [
      '',
      `Open Cluster Claw is listening on ${url}`,
      `  web console:  ${base}/`,
      `  API:          ${base}/api/v1  (OpenAPI: ${base}/api/v1/openapi.json)`,
      `  database:     ${describeDatabase(settings.database)}`,
      `  claws:        ${describeRuntime(settings.runtime, plane.runtime.isolation().mode)}`,
      '',
    ].join('\n'),
  );
  const { reason } = plane.runtime.isolation();
  if (reason) process.stdout.write(`WARNING: ${reason.en}\n\n`);
  if (plane.bootstrap.generatedToken) {
    // Printed once, on the terminal only (not through the logger), and kept in a 0600 file for the operator.
    process.stdout.write(
      [
        'A platform-admin token was generated for this first start. It is shown only now and saved (mode 0600) in',
        `  ${plane.bootstrap.tokenFile}`,
        '',
        `  export CLAW_TOKEN=${plane.bootstrap.generatedToken}`,
        '',
        'Then try:  npx claw whoami   (or paste the token into the web console)',
        '',
      ].join('\n'),
    );
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    plane.server.log.info({ signal }, 'shutting down');
    plane.close().then(
      () => process.exit(0),
      (error: unknown) => {
        plane.server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (isClawError(error)) {
    process.stderr.write(`Open Cluster Claw cannot start: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Open Cluster Claw cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
