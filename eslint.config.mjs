// Flat config: the recommended JavaScript and typescript-eslint rules over every TypeScript file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** What a CommonJS module sees from Node (the `globals` package is not a dependency). */
const NODE_COMMONJS_GLOBALS = Object.fromEntries(["require", "module", "exports", "process", "console", "__dirname", "__filename"].map((g) => [g, "readonly"]));

export default tseslint.config(
    { ignores: ["node_modules/", "out/", "bin/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Plan files, chart values and Pulumi props are untyped JSON; tests and policies walk them as such.
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    {
        // Plain Node scripts, CommonJS on purpose: they load the program the way Pulumi's language host does.
        files: ["**/*.cjs"],
        languageOptions: { sourceType: "commonjs", globals: NODE_COMMONJS_GLOBALS },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
