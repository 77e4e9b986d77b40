/**
 * Pod and container security settings of the workloads the program declares itself. Pods that
 * write to NFS run as the owner of the export directory (fsGroup too), or writes fail with
 * PermissionError on root-squashed exports.
 */
export function podSecurityContext(runAsUser: number, runAsGroup: number) {
    return {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup,
        fsGroup: runAsGroup,
        // Only chown the volume when its root has the wrong group: a recursive chown of a large
        // NFS log directory on every start delays the pod by minutes.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function containerSecurityContext(readOnlyRootFilesystem: boolean) {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem,
        capabilities: { drop: ["ALL"] },
    };
}

/** Scratch space for Python (tempfiles, MLflow's model downloads) when the root filesystem is read-only. */
export const TMP_VOLUME = { name: "tmp", emptyDir: { sizeLimit: "1Gi" } };
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };
