/**
 * The CRI messages of proto/cri/runtime/v1/api.proto as @grpc/proto-loader
 * hands them over with the project's loader options (field names as in the
 * .proto, int64 as decimal strings, enums as their names, defaults filled
 * in). Requests are partial: unset fields take proto3 defaults.
 */

export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type CriSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type CriEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';
export type CriNamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface CriVersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface CriSelinuxOption {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

export interface CriNamespaceOption {
  network?: CriNamespaceMode;
  pid?: CriNamespaceMode;
  ipc?: CriNamespaceMode;
  target_id?: string;
}

export interface CriPodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface CriPodSandboxConfig {
  metadata: Partial<CriPodSandboxMetadata>;
  hostname?: string;
  log_directory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroup_parent?: string;
    security_context?: {
      namespace_options?: CriNamespaceOption;
      selinux_options?: CriSelinuxOption;
      run_as_user?: { value: string | number };
      readonly_rootfs?: boolean;
      privileged?: boolean;
    };
  };
}

export interface CriContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
  linux?: {
    security_context?: {
      privileged?: boolean;
      namespace_options?: CriNamespaceOption;
      selinux_options?: CriSelinuxOption;
      run_as_user?: { value: string | number };
    };
  };
}

export interface CriPodSandbox {
  id: string;
  metadata: CriPodSandboxMetadata | null;
  state: CriSandboxState;
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtime_handler: string;
}

export type CriPodSandboxStatus = CriPodSandbox;

export interface CriContainer {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number } | null;
  image: { image: string; annotations: Record<string, string> } | null;
  image_ref: string;
  state: CriContainerState;
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: CriContainerState;
  created_at: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  image: { image: string; annotations: Record<string, string> } | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
}

export interface CriContainerStatusResponse {
  status: CriContainerStatus | null;
  info: Record<string, string>;
}

export interface CriPodSandboxStatusResponse {
  status: CriPodSandboxStatus | null;
  info: Record<string, string>;
  containers_statuses: CriContainerStatus[];
  timestamp: string;
}

export interface CriContainerEventResponse {
  container_id: string;
  container_event_type: CriEventType;
  created_at: string;
  pod_sandbox_status: CriPodSandboxStatus | null;
  containers_statuses: CriContainerStatus[];
}

export interface CriContainerFilter {
  id?: string;
  state?: { state: CriContainerState };
  pod_sandbox_id?: string;
  label_selector?: Record<string, string>;
}

export interface CriPodSandboxFilter {
  id?: string;
  state?: { state: CriSandboxState };
  label_selector?: Record<string, string>;
}
