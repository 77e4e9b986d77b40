// Flat config: the recommended JavaScript and typescript-eslint rules over every TypeScript file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["node_modules/", "out/", "bin/"] }, js.configs.recommended, ...tseslint.configs.recommended, {
    rules: {
        // Plan files, chart values and Pulumi props are untyped JSON; tests and policies walk them as such.
        "@typescript-eslint/no-explicit-any": "off",
    },
});
