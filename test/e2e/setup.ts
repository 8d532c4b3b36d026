// testcontainers' reaper is meshwright's own image (harness/realize/reaper.ts sets it when the
// harness loads); loaded here too so a test file that drives testcontainers directly gets it.
import "../../harness/realize/reaper";
import { join } from "node:path";
import { LATEST_REPORT_DIR } from "../../cli/report";
import { REPORT_DIR_VARIABLE } from "../../harness/report/active-report";

// Real containers take seconds to minutes; each wait inside a test has its own, tighter deadline.
// A missing image or Docker engine fails the file in startMesh's requireImages, naming the
// command that provides it (`npm run images`, `npm run docker`): e2e tests never skip.
jest.setTimeout(300_000);

// In CI every e2e file records its verdicts, matrices, chaos timelines and traces into the
// report folder CI keeps (`meshwright report` draws it; test/e2e/report.test.ts opens it in Chromium).
if (process.env["CI"] === "true" && !process.env[REPORT_DIR_VARIABLE]) process.env[REPORT_DIR_VARIABLE] = join(__dirname, "..", "..", LATEST_REPORT_DIR);
