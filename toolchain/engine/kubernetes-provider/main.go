// pulumi-resource-kubernetes for meshwright: Pulumi's Kubernetes provider (native Go, not
// Terraform-bridged) built from the Go module proxy. Its tagged versions are not served there,
// only a commit of its provider/ module; this is that module's cmd/pulumi-resource-kubernetes
// main package, which embeds files its `go generate` writes (the schema with the version set,
// and the Terraform mapping): the build writes them beside this file from the module's own
// schema.json and terraform-mapping.json.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
