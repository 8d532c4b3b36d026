// Ryuk (testcontainers' reaper) is an image from a registry these machines cannot reach;
// every e2e test removes what it starts in afterAll instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

// Real containers take seconds to minutes; each wait inside a test has its own, tighter deadline.
jest.setTimeout(300_000);
