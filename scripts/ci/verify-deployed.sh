#!/usr/bin/env bash
# usage: scripts/ci/verify-deployed.sh <stack>
#
# The deploy jobs' post-deploy check: `npm run verify` against the env `pulumi up` just updated,
# failing the job when a check fails. A runner reaches the cluster only through the API server of
# its kubeconfig (the ingress hosts and the cluster DNS are not reachable from it), so each service
# is reached by `kubectl port-forward` to the Service its outputs `endpoints` URL names
# (http://<service>.<namespace>.svc.cluster.local:<port>), as the manual steps of docs/operations.md "Post-deploy verification" do.
# A port-forward reaches a Service past its Ingress, so the ingress login of Prometheus,
# Alertmanager and Loki (ingress.auth) is not asked for and verify reads no ingress credentials;
# Grafana's own login still is.
# Needs: the Pulumi CLI logged in to the stack's backend, KUBECONFIG, kubectl and node.
set -euo pipefail

stack="${1:?usage: $0 <stack>}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

outputs="$work/outputs.json"
pulumi stack output --json -s "$stack" > "$outputs"

# Prints the fields of the outputs document at the given paths, space-separated.
field() {
    node -e '
        const doc = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
        const values = process.argv.slice(2).map((p) => p.split(".").reduce((o, k) => (o == null ? undefined : o[k]), doc));
        if (values.some((v) => typeof v !== "string" || v === "")) {
            console.error(`outputs: missing ${process.argv.slice(2).join(", ")}`);
            process.exit(2);
        }
        console.log(values.join(" "));
    ' "$outputs" "$@"
}

flags=()
# forward <verify service> <endpoints key>: a port-forward on a free local port, then its URL flag.
forward() {
    local service="$1" endpoint svc ns port log pid local_port
    endpoint="$(field "endpoints.$2")"
    if [[ ! "$endpoint" =~ ^https?://([^./]+)\.([^./]+)\.svc\.cluster\.local:([0-9]+)$ ]]; then
        echo "outputs endpoints.$2: not a Service URL: $endpoint" >&2
        exit 2
    fi
    svc="${BASH_REMATCH[1]}" ns="${BASH_REMATCH[2]}" port="${BASH_REMATCH[3]}"
    log="$work/$service.log"
    : > "$log"
    kubectl -n "$ns" port-forward "svc/$svc" ":$port" >> "$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 60); do
        local_port="$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$log" | head -n 1)"
        if [ -n "$local_port" ]; then
            flags+=("--$service-url" "http://127.0.0.1:$local_port")
            return
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "kubectl port-forward to svc/$svc in $ns failed:" >&2
            cat "$log" >&2
            exit 2
        fi
        sleep 0.5
    done
    echo "kubectl port-forward to svc/$svc in $ns did not start within 30 s" >&2
    exit 2
}
forward prometheus prometheus
forward alertmanager alertmanager
forward loki lokiQuery
forward grafana grafana

# Grafana's credentials from the Secret the outputs name, passed as variables (arguments show in ps).
secret="$(field grafanaAdminSecret.namespace grafanaAdminSecret.name grafanaAdminSecret.keys.user grafanaAdminSecret.keys.password)"
read -r secret_ns secret_name user_key password_key <<< "$secret"
secret_key() { kubectl -n "$secret_ns" get secret "$secret_name" -o "jsonpath={.data.$1}" | base64 -d; }
GRAFANA_USER="$(secret_key "$user_key")"
GRAFANA_PASSWORD="$(secret_key "$password_key")"
if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::add-mask::$GRAFANA_PASSWORD"; fi
export GRAFANA_USER GRAFANA_PASSWORD

npm run verify -- --outputs "$outputs" "${flags[@]}"
