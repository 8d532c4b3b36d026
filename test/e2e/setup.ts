// testcontainers' reaper is meshwright's own image (harness/realize/reaper.ts sets it when the
// harness loads); loaded here too so a test file that drives testcontainers directly gets it.
import "../../harness/realize/reaper";

// Real containers take seconds to minutes; each wait inside a test has its own, tighter deadline.
// A missing image or Docker engine fails the file in startMesh's requireImages, naming the
// command that provides it (`npm run images`, `npm run docker`): e2e tests never skip.
jest.setTimeout(300_000);
