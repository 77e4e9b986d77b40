// Plain JavaScript so that the engine loads it without a TypeScript step. It writes, to the file
// named by ENGINE_CAPTURE_OUT, every resource exactly as @pulumi/policy hands it to a stack policy:
// the properties behind the unknown-checking proxy (unknowns as the engine's markers), the options
// the policy API shows, parent, provider and dependencies. It reports nothing.
const { PolicyPack } = require("@pulumi/policy");
const fs = require("node:fs");

const target = (v) => (v && v.__getSpecialProxyTarget) || v;

new PolicyPack("engine-capture", {
    policies: [
        {
            name: "capture-stack",
            description: "Writes the stack's resources as a stack policy receives them.",
            enforcementLevel: "advisory",
            validateStack: (args) => {
                const out = process.env.ENGINE_CAPTURE_OUT;
                if (!out) throw new Error("ENGINE_CAPTURE_OUT is not set");
                const resources = args.resources.map((r) => ({
                    urn: r.urn,
                    type: r.type,
                    name: r.name,
                    parent: r.parent ? r.parent.urn : undefined,
                    provider: r.provider ? r.provider.urn : undefined,
                    protect: Boolean(r.opts && r.opts.protect),
                    dependencies: (r.dependencies || []).map((d) => d.urn),
                    props: JSON.parse(JSON.stringify(target(r.props) || {})),
                }));
                fs.writeFileSync(out, JSON.stringify({ resources }, null, 1));
            },
        },
    ],
});
