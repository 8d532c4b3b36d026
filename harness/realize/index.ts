export { startMesh, MeshStartError, type StartMeshOptions } from "./start-mesh";
export { attachMesh, type AttachMeshOptions } from "./attach-mesh";
export { logLines, type MeshContainer } from "./mesh-container";
export { StartedMesh, type ExecHttpOptions, type ExecHttpResult, type StartedMeshPlatform } from "./started-mesh";
export {
  waitConverged,
  divergences,
  expectedEndpoints,
  expectedAuthorization,
  type Divergence,
  type ConvergeOptions,
  type ExpectedEndpoints,
} from "./converge";
