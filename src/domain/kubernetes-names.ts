/**
 * How the Kubernetes webhook's workload ids read for people: a pod lease's
 * `pod:<namespace>/<name>` is the pod `<namespace>/<name>` (a pod created
 * with generateName keeps its prefix and admission id, `web-7d4f9-#705ab4f5`:
 * the apiserver chose its name after admission); `pvc:<namespace>/<claim>`
 * and `ns:<namespace>` anchor the lease its pods share. Pure.
 */

export function kubernetesName(workloadId: string): string | undefined {
  if (workloadId.startsWith('pod:')) return workloadId.slice(4);
  if (workloadId.startsWith('pvc:')) return `claim ${workloadId.slice(4)}`;
  if (workloadId.startsWith('ns:')) return `namespace ${workloadId.slice(3)}`;
  return undefined;
}

/**
 * The WORKLOAD of a lease in `mcsctl leases list`: its workload id, or for
 * the webhook's leases the namespace/pod, and for a shared lease its anchor
 * with its first pod and how many more.
 */
export function workloadText(lease: { readonly workload_id: string; readonly members: readonly string[] }): string {
  const name = kubernetesName(lease.workload_id);
  if (name === undefined || lease.workload_id.startsWith('pod:')) return name ?? lease.workload_id;
  const pods = lease.members.filter((m) => m.startsWith('pod:'));
  if (pods.length === 0) return `${name}: no pods`;
  return `${name}: ${pods[0]!.slice(4)}${pods.length > 1 ? ` +${pods.length - 1}` : ''}`;
}
