/**
 * Loads the program the way `pulumi preview`/`up` does (the Node.js language host's cmd/run/run.js):
 * ts-node registered with the options Pulumi derives from tsconfig.json — `transpileOnly` from its
 * `noCheck` compiler option — then index.ts required, here under Pulumi's mock runtime. Plain Node,
 * no tsx or vitest transform in between, so what compiles the program is what Pulumi would use.
 *
 * tsconfig.json's "ts-node" section asks for SWC as the transpiler, and ts-node reads it whatever
 * Pulumi passes; LOAD_TRANSPILER=typescript (or a type-checked load) uses TypeScript's own instead,
 * for comparison (npm run bench).
 *
 * usage: node test/support/loadLikePulumi.cjs <stack.json>   (stack.json: a LoadedStack)
 * prints one JSON line: { transpileOnly, transpiler, resources, loadMs }
 */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
const stack = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const tsutils = require("@pulumi/pulumi/tsutils");
const tsConfigPath = path.join(root, "tsconfig.json");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const transpileOnly = process.env.PULUMI_NODEJS_TRANSPILE_ONLY ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" : compilerOptions.noCheck;
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const typescriptTranspiler = process.env.LOAD_TRANSPILER === "typescript" || transpileOnly === false;
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly,
    ...(typescriptTranspiler ? { swc: false } : {}),
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});

const pulumi = require("@pulumi/pulumi");
// The live cluster is the one the stack pins (the mocks have none of their own), after `pulumi up -s
// cluster` (which marks kube-system): its Prometheus CRD at the operator version an env requires (read through ts-node like index.ts).
const pinned = JSON.parse(stack.config[`${stack.project}:cluster`] ?? "{}").kubeSystemUid ?? "offline-no-cluster";
const { prometheusOperator } = require(path.join(root, "components", "versions.ts"));
const { CLUSTER_STACK_ANNOTATION, CRDS_OPERATOR_VERSION_ANNOTATION, OPERATOR_VERSION_ANNOTATION } = require(path.join(root, "components", "cluster", "operatorCrds.ts"));
let resources = 0;
pulumi.runtime
    .setMocks(
        {
            newResource(args) {
                resources++;
                if (args.id === "kube-system")
                    return { id: args.id, state: { metadata: { name: "kube-system", uid: pinned, annotations: { [CLUSTER_STACK_ANNOTATION]: "cluster", [CRDS_OPERATOR_VERSION_ANNOTATION]: prometheusOperator.version } } } };
                if (args.id) {
                    const annotations = { [OPERATOR_VERSION_ANNOTATION]: prometheusOperator.version };
                    return { id: args.id, state: { ...args.inputs, metadata: { name: args.id, annotations } } };
                }
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call(args) {
                return args.inputs;
            },
        },
        stack.project,
        stack.stack,
        true,
    )
    .then(async () => {
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        const started = process.hrtime.bigint();
        const program = require(path.join(root, "index.ts"));
        // As cmd/run/run.js does: an exported function is the program, called and awaited.
        await (program instanceof Function ? program() : program);
        const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
        await pulumi.runtime.waitForRPCs?.();
        process.stdout.write(JSON.stringify({ transpileOnly: transpileOnly === true, transpiler: typescriptTranspiler ? "typescript" : "swc", resources, loadMs: Math.round(loadMs) }) + "\n");
    })
    .catch((err) => {
        process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
        process.exit(1);
    });
