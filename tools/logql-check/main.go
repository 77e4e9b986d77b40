// logql-check parses LogQL expressions with Loki's own parser (pkg/logql/syntax), the same code
// the Loki ruler and query frontend run. It is test tooling only, never part of the platform.
//
// Input (stdin): a JSON array of {"id": string, "expr": string}.
// Output (stdout): a JSON array of {"id": string, "error": string} for every expression that does
// not parse; exit status 1 if there is at least one.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/grafana/loki/v3/pkg/logql/syntax"
)

type item struct {
	ID   string `json:"id"`
	Expr string `json:"expr"`
}

type failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

func main() {
	var items []item
	if err := json.NewDecoder(os.Stdin).Decode(&items); err != nil {
		fmt.Fprintf(os.Stderr, "logql-check: reading input: %v\n", err)
		os.Exit(2)
	}
	failures := []failure{}
	for _, it := range items {
		if _, err := syntax.ParseExpr(it.Expr); err != nil {
			failures = append(failures, failure{ID: it.ID, Error: err.Error()})
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(failures); err != nil {
		os.Exit(2)
	}
	if len(failures) > 0 {
		os.Exit(1)
	}
}
