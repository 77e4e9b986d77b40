// alloy-fmt formats an Alloy configuration with Alloy's own parser and printer (the
// github.com/grafana/alloy/syntax module, which is what `alloy fmt` runs). It is test tooling only,
// never part of the platform.
//
// Input (stdin): one Alloy configuration. With -helm-tpl the input is first rendered as a Go text
// template, as Helm's `tpl` renders the alloy chart's `alloy.configMap.content` (the program only
// escapes `{{` there, so no Helm function is needed).
// Output (stdout): the formatted configuration, exactly as `alloy fmt` prints it; exit status 1 with
// the parser's diagnostics on stderr if it does not parse, 2 if the template does not render.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"text/template"

	"github.com/grafana/alloy/syntax/parser"
	"github.com/grafana/alloy/syntax/printer"
)

func main() {
	helmTpl := flag.Bool("helm-tpl", false, "render the input as a Go text template first (Helm's tpl)")
	flag.Parse()
	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "alloy-fmt: reading input: %v\n", err)
		os.Exit(2)
	}
	if *helmTpl {
		t, err := template.New("content").Option("missingkey=error").Parse(string(src))
		if err != nil {
			fmt.Fprintf(os.Stderr, "alloy-fmt: template: %v\n", err)
			os.Exit(2)
		}
		var out bytes.Buffer
		if err := t.Execute(&out, map[string]any{}); err != nil {
			fmt.Fprintf(os.Stderr, "alloy-fmt: template: %v\n", err)
			os.Exit(2)
		}
		src = out.Bytes()
	}
	f, err := parser.ParseFile("config.alloy", src)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// `alloy fmt` ends the file with a newline.
	buf.WriteByte('\n')
	_, _ = os.Stdout.Write(buf.Bytes())
}
