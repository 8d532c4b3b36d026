import { GenericContainer } from "testcontainers";

/**
 * A container attached to exactly one network, its aliases set at creation.
 *
 * testcontainers creates a container that has aliases on the default bridge and then
 * connects it to the chosen network, so it ends up with two interfaces. Consul binds to
 * one address and advertises it to the mesh; with two interfaces it may pick the bridge
 * one, which no other mesh member can reach. Creating the container on the mesh network
 * with its aliases in `NetworkingConfig` gives it one interface, as `docker run --network`
 * (and the Pulumi realizer) do.
 */
export class SingleNetworkContainer extends GenericContainer {
  private readonly aliases: string[] = [];

  override withNetworkAliases(...aliases: string[]): this {
    this.aliases.push(...aliases);
    return this;
  }

  protected override async beforeContainerCreated(): Promise<void> {
    if (this.aliases.length === 0) return;
    if (!this.networkMode) throw new Error(`${this.imageName.string}: network aliases ${this.aliases.join(", ")} need withNetwork(...) first`);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [this.networkMode]: { Aliases: this.aliases } } };
  }
}
