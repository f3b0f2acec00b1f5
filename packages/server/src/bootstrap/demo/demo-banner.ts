/** What the demo prints once it is ready. */
export interface DemoInfo {
  readonly url: string;
  /** Prometheus metrics, on a loopback listener of their own. */
  readonly metricsUrl: string;
  readonly adminToken: string;
  readonly viewerToken: string;
  readonly otherOrgToken: string;
  readonly targetId: string;
  readonly guestId: string;
}

/** The demo's cloud image (a qcow2 on the `import` content of storage `local`). */
export const DEMO_CLOUD_IMAGE = 'local:import/noble-server-cloudimg-amd64.qcow2';

/**
 * The provisioning walk the banner prints, against the demo's Proxmox target: inventory, a VM from a cloud image
 * with an SSH key and a static address, its address from the guest agent, a bigger disk, a snapshot, and away again.
 * `<id>` is the guest id `guests create` prints.
 */
export const DEMO_PROVISIONING_WALK: readonly string[] = [
  'hvc images list --target pve-demo --kind disk-image',
  `hvc guests create --target pve-demo --name web-2 --from-image ${DEMO_CLOUD_IMAGE} --disk-size 12 --nic vmbr0 --ip 192.0.2.20/24,gw=192.0.2.1 --user ops --ssh-key-file ~/.ssh/id_ed25519.pub --guest-agent --start`,
  'hvc guests addresses <id> --target pve-demo      # from the guest agent, a few seconds after the start',
  'hvc guests resize-disk <id> scsi0 16 --target pve-demo',
  'hvc snapshots create <id> before-upgrade --target pve-demo',
  'hvc guests stop <id> --target pve-demo && hvc guests delete <id> --target pve-demo',
];

/** The demo's ready banner: the URL, the tokens and calls to copy and paste. */
export function demoBanner(info: DemoInfo, protoDir: string): string {
  const body = (value: object) => `'${JSON.stringify(value)}'`;
  const guest = { targetId: info.targetId, guestId: info.guestId };
  const h2 = info.url.startsWith('https') ? '' : ' --http2-prior-knowledge';
  return `
hvc-server demo is running at ${info.url}
  DEMO ONLY: a dev token issuer, a fake Proxmox VE cluster and a throwaway database. Never expose it.

Tokens (valid for 1 hour):
  export ADMIN_TOKEN=${info.adminToken}
  export VIEWER_TOKEN=${info.viewerToken}
  export OTHER_ORG_TOKEN=${info.otherOrgToken}

List the demo target's guests as the viewer (Connect JSON):
  curl -s -X POST ${info.url}/hvc.v1.GuestService/ListGuests -H "Authorization: Bearer $VIEWER_TOKEN" -H 'Content-Type: application/json' -d ${body({ targetId: info.targetId })}

The viewer may not start a guest (permission_denied):
  curl -s -X POST ${info.url}/hvc.v1.GuestService/StartGuest -H "Authorization: Bearer $VIEWER_TOKEN" -H 'Content-Type: application/json' -d ${body(guest)}

Start it as the admin over gRPC, then watch the operation (put its id in the second call). buf is the Buf CLI;
in this repository run it as \`pnpm --filter @hvc/server exec buf\`:
  buf curl${h2} --protocol grpc --schema ${protoDir} -H "Authorization: Bearer $ADMIN_TOKEN" -d ${body(guest)} ${info.url}/hvc.v1.GuestService/StartGuest
  buf curl${h2} --protocol grpc --schema ${protoDir} -H "Authorization: Bearer $ADMIN_TOKEN" -d '{"targetId":"${info.targetId}","operationId":"<id>"}' ${info.url}/hvc.v1.OperationService/WatchOperation

Another organisation's user cannot see it (not_found):
  curl -s -X POST ${info.url}/hvc.v1.GuestService/GetGuest -H "Authorization: Bearer $OTHER_ORG_TOKEN" -H 'Content-Type: application/json' -d ${body(guest)}

Provision a VM someone can log into, with hvc (the command line; the README shows how to run it) as the admin:
${DEMO_PROVISIONING_WALK.map((line) => `  ${line}`).join('\n')}

Metrics (Prometheus, on their own listener, never on the API port): ${info.metricsUrl}

Press Ctrl+C to stop.
`;
}
