/** Versions of the Pulumi engine pieces built from the Go module proxy. */
export const ENGINE = {
  /** The `pulumi` CLI, `github.com/pulumi/pulumi/pkg/v3`; also pins `@pulumi/pulumi` in package.json. */
  pulumi: "3.259.0",
  /** Plugin version the Docker provider reports; the `@pulumi/docker` npm version it serves. */
  docker: "5.2.0",
  /**
   * Plugin version the Kubernetes provider reports; the `@pulumi/kubernetes` npm version it
   * serves (see kubernetes-provider.ts for why this one).
   */
  kubernetes: "4.25.0",
} as const;
