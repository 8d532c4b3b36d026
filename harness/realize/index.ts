export { startMesh, MeshStartError, type StartMeshOptions } from "./start-mesh";
export { StartedMesh, type ExecHttpOptions, type ExecHttpResult } from "./started-mesh";
export { waitConverged, divergences, expectedEndpoints, type Divergence, type ConvergeOptions } from "./converge";
