import { ENGINE } from "./versions";

/** The `pulumi` CLI: `go install` refuses pkg/v3 (it has replace directives), so a wrapper requires it. */
export const CLI = {
  mainPackage: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
  ldflags: `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${ENGINE.pulumi}`,
  goMod: `module meshwright.local/pulumi-cli

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v${ENGINE.pulumi}
	github.com/pulumi/pulumi/sdk/v3 v${ENGINE.pulumi}
)

// As pkg/go.mod replaces it.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
`,
};

/** Module path of the provider wrapper: below the Terraform provider's path, so it may import its internal/ package. */
export const PROVIDER_MODULE = "github.com/terraform-providers/terraform-provider-docker/meshwright";

/**
 * The Docker provider: the upstream Terraform provider (module path
 * `github.com/terraform-providers/terraform-provider-docker`, published as
 * `github.com/kreuzwerker/terraform-provider-docker`) through pulumi-terraform-bridge, with the
 * Terraform plugin SDK replaced by Pulumi's fork as the bridge requires. Versions: the bridge
 * and SDK fork that pulumi-docker 5.1 builds with; the bridge compiles against pulumi v3.246
 * (v3.259 changed a schema type it uses), which is independent of the CLI's version.
 */
export const PROVIDER = {
  mainPackage: `${PROVIDER_MODULE}/cmd/pulumi-resource-docker`,
  ldflags: `-s -w -X main.version=${ENGINE.docker}`,
  goMod: `module ${PROVIDER_MODULE}

go 1.25.11

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 v3.133.0
	github.com/pulumi/pulumi/pkg/v3 v3.246.0
	github.com/pulumi/pulumi/sdk/v3 v3.246.0
	github.com/terraform-providers/terraform-provider-docker v0.0.0
)

replace (
	github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
	github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20260318212141-5525259d096b
	github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
)
`,
  // The bridge's test-only imports (codegen for other languages) are not all served; they are
  // not part of the provider binary, so module resolution tolerates them (-e).
  env: { GOFLAGS: "-mod=mod -e" },
};
