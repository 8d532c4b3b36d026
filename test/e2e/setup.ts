// Ryuk (testcontainers' reaper) is an image from a registry these machines cannot reach, so it
// is off (startMesh says the same through useOwnReaper). Nothing relies on it: startMesh removes
// everything of a run that failed to start, every e2e file stops its mesh in afterAll, and
// helper containers a file starts carry its run's label, so mesh.stop() removes them too.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

// Real containers take seconds to minutes; each wait inside a test has its own, tighter deadline.
// A missing image or Docker engine fails the file in startMesh's requireImages, naming the
// command that provides it (`npm run images`, `npm run docker`): e2e tests never skip.
jest.setTimeout(300_000);
