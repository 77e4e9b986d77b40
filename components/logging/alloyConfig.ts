/**
 * Alloy's configuration (Alloy syntax) as data, and the one printer that turns it into text in the
 * layout `alloy fmt` prints (tools/alloy-fmt checks both in the tests). Kept apart from the
 * component so the pipeline reads as what it is: discovery, relabeling, tailing, processing, push.
 */

/** A raw Alloy expression (a reference or a function call), printed as is. */
export interface Expr {
    readonly expr: string;
}
export type Value = string | number | boolean | Expr | readonly Value[] | { readonly [key: string]: Value };
export interface Block {
    readonly block: string;
    readonly label?: string;
    readonly body: readonly (Attr | Block)[];
}
export interface Attr {
    readonly attr: string;
    readonly value: Value;
}

export const expr = (text: string): Expr => ({ expr: text });
export const attr = (name: string, value: Value): Attr => ({ attr: name, value });
export const block = (name: string, body: readonly (Attr | Block)[] = [], label?: string): Block => ({ block: name, label, body });

const isExpr = (v: Value): v is Expr => typeof v === "object" && v !== null && !Array.isArray(v) && "expr" in v && typeof v.expr === "string";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An Alloy string literal: its escapes (`\"`, `\\`, `\n`, `\uXXXX`) are JSON's. */
const quote = (s: string) => JSON.stringify(s);

function value(v: Value): string {
    if (typeof v === "string") return quote(v);
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (isExpr(v)) return v.expr;
    if (Array.isArray(v)) return `[${(v as readonly Value[]).map(value).join(", ")}]`;
    const entries = Object.entries(v as Record<string, Value>).map(([k, x]) => `${IDENTIFIER.test(k) ? k : quote(k)} = ${value(x)}`);
    return `{${entries.join(", ")}}`;
}

function body(items: readonly (Attr | Block)[], indent: string): string[] {
    const lines: string[] = [];
    let previous: "attr" | "block" | undefined;
    for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (previous !== undefined && (previous === "block" || "block" in item)) lines.push("");
        if ("block" in item) {
            lines.push(...printBlock(item, indent));
            previous = "block";
            continue;
        }
        // Consecutive attributes are one group whose `=` signs line up.
        const group: Attr[] = [];
        while (i < items.length && "attr" in items[i]!) group.push(items[i++] as Attr);
        i--;
        const width = Math.max(...group.map((a) => a.attr.length));
        for (const a of group) lines.push(`${indent}${a.attr.padEnd(width)} = ${value(a.value)}`);
        previous = "attr";
    }
    return lines;
}

function printBlock(b: Block, indent: string): string[] {
    const head = `${indent}${b.block}${b.label === undefined ? "" : ` ${quote(b.label)}`} {`;
    if (b.body.length === 0) return [`${head} }`];
    return [head, ...body(b.body, `${indent}\t`), `${indent}}`];
}

/** The file: a comment header, then the blocks separated by blank lines, ending in a newline. */
export function printAlloy(header: readonly string[], blocks: readonly Block[]): string {
    return `${[...header.map((h) => `// ${h}`), ...body(blocks, "")].join("\n")}\n`;
}

/**
 * The alloy chart renders `alloy.configMap.content` through Helm's `tpl`, so every `{{` of the file
 * (Go templates of stage.template) is written as a template action that prints `{{`.
 */
export function helmTplLiteral(text: string): string {
    return text.replace(/\{\{/g, '{{ "{{" }}');
}
