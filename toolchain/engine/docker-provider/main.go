// pulumi-resource-docker for meshwright: a Terraform-bridged Docker provider built from the
// Go module proxy. The provider module Pulumi publishes is not served there, so this maps the
// resources MeshStack uses onto the upstream Terraform provider, with the same tokens and
// property names as @pulumi/docker (the bridge derives the rest, as Pulumi's build does).
//
// The wrapper module's path sits under the Terraform provider's own path: Go lets a package
// import another module's internal/ packages only from below that module's path.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// version is the @pulumi/docker version this plugin answers for; set with -ldflags -X.
var version = "0.0.0"

func main() {
	info := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(provider.New(version)()),
		Name:    "docker",
		Version: version,
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok:                 "docker:index/container:Container",
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// As in @pulumi/docker: a list that is one command, and a set that is not plural.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_network": {Tok: "docker:index/network:Network"},
			// Named volumes: a Consul server's Raft state and Keycloak's database outlive their containers.
			"docker_volume": {Tok: "docker:index/volume:Volume"},
			// @pulumi/docker's RemoteImage (builds app images from a Dockerfile). Its own Image
			// resource is implemented in Pulumi's native provider, which is not served either.
			// The bridge's derived names are RemoteImage's: build (one block), buildArgs, tags,
			// labels, useLegacyBuilder, keepLocally, imageId, repoDigest.
			"docker_image": {Tok: "docker:index/remoteImage:RemoteImage"},
		},
	}
	// Node programs never ask for the schema; a minimal one keeps GetSchema answering.
	tfbridge.Main("docker", version, info, []byte(`{"name":"docker","version":"`+version+`"}`))
}
