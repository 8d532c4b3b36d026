// Imported first by meshwright/infra/kubernetes, so a missing Pulumi package is named with its install command.
import { requirePeers } from "../../toolchain/peers";

requirePeers("meshwright/infra/kubernetes");
