/**
 * Runs the real policy pack through @pulumi/policy's own analyzer — the function the CLI calls over
 * gRPC for `pulumi preview --policy-pack policy` — on an engine view of a stack. What the pack does
 * with an unknown value, a component without inputs or a default provider is what the CLI would
 * report, including "can't run policy … during preview" (advisory) when a policy reads an unknown.
 */
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import { PolicyResource } from "@pulumi/policy";
import { POLICIES, POLICY_PACK, stackPolicy } from "../../policy/pack";
import { CheckedResource, RULES } from "../../policy/rules";
import { ViewResource } from "../../scripts/lib/engineView";

// @pulumi/policy exports the analyzer's RPC handlers from its server module, off its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server") as {
    makeAnalyzeStackRpcFun(
        name: string,
        version: string,
        level: string,
        policies: unknown[],
    ): (call: unknown, cb: (err: unknown, resp: unknown) => void) => Promise<void>;
};

export interface Diagnostic {
    readonly policy: string;
    readonly level: "advisory" | "mandatory" | "disabled" | "remediate";
    readonly urn: string;
    /** What the policy reported; the CLI prints it under the policy's description. */
    readonly message: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

function analyzerResource(r: ViewResource, byUrn: Map<string, ViewResource>): analyzerproto.AnalyzerResource {
    const res = new analyzerproto.AnalyzerResource();
    res.setType(r.type);
    res.setUrn(r.urn);
    res.setName(r.name);
    res.setProperties(structproto.Struct.fromJavaScript(r.props as Record<string, structproto.JavaScriptValue>));
    const opts = new analyzerproto.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    if (r.parent) opts.setParent(r.parent);
    res.setOptions(opts);
    if (r.parent) res.setParent(r.parent);
    res.setDependenciesList([...r.dependencies]);
    const provider = r.provider ? byUrn.get(r.provider) : undefined;
    if (provider) {
        const p = new analyzerproto.AnalyzerProviderResource();
        p.setType(provider.type);
        p.setUrn(provider.urn);
        p.setName(provider.name);
        p.setProperties(structproto.Struct.fromJavaScript(provider.props as Record<string, structproto.JavaScriptValue>));
        res.setProvider(p);
    }
    return res;
}

/** Every diagnostic the policy pack reports on the stack, as the CLI would print them. */
export async function analyzeStack(view: readonly ViewResource[]): Promise<Diagnostic[]> {
    const byUrn = new Map(view.map((r) => [r.urn, r]));
    const request = new analyzerproto.AnalyzeStackRequest();
    request.setResourcesList(view.map((r) => analyzerResource(r, byUrn)));
    const rpc = server.makeAnalyzeStackRpcFun(POLICY_PACK.name, POLICY_PACK.version, "mandatory", [...POLICIES]);
    const response = await new Promise<analyzerproto.AnalyzeResponse>((resolve, reject) => {
        void rpc({ request }, (err, resp) => (err ? reject(err) : resolve(resp as analyzerproto.AnalyzeResponse)));
    });
    const descriptions = new Map(POLICIES.map((p) => [p.name, `${p.description}\n`]));
    return response.getDiagnosticsList().map((d) => {
        const prefix = descriptions.get(d.getPolicyname()) ?? "";
        const message = d.getMessage();
        return {
            policy: d.getPolicyname(),
            level: LEVELS[d.getEnforcementlevel()]!,
            urn: d.getUrn(),
            message: prefix && message.startsWith(prefix) ? message.slice(prefix.length) : message,
        };
    });
}

/**
 * Runs one policy of the pack the way @pulumi/policy calls a stack policy (its `validateStack`), on
 * resources as the analyzer hands them over, with `config` as the pack config of that policy.
 * Returns each reported violation with the URN it was reported against.
 */
export function validateWith(policyName: string, resources: readonly CheckedResource[], config: () => object = () => ({})): [string, string | undefined][] {
    const policy = stackPolicy(RULES.find((r) => r.name === policyName)!);
    const asPolicyResource = (r: CheckedResource) =>
        ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: r.props,
            opts: { protect: r.protect },
            parent: r.parent ? { urn: r.parent } : undefined,
            provider: r.provider ? { urn: r.provider } : undefined,
        }) as unknown as PolicyResource;
    const reported: [string, string | undefined][] = [];
    const args = {
        resources: resources.map(asPolicyResource),
        stackTags: new Map(),
        getConfig: config,
        notApplicable: () => {
            throw new Error("n/a");
        },
    };
    policy.validateStack(args as never, (message, urn) => reported.push([message, urn]));
    return reported;
}
