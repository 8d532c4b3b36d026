// Imported first by meshwright/harness, so a missing testcontainers is named with its install command.
import { requirePeers } from "../toolchain/peers";

requirePeers("meshwright/harness");
