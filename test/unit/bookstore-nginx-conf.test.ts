import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nginxConf } from "../../examples/bookstore/storefront/nginx-conf";

const storefront = join(__dirname, "../../examples/bookstore/storefront");

describe("the storefront's nginx configuration", () => {
  // The image cannot run TypeScript, so it ships the text; the mesh mounts nginxConf(LISTEN_ADDR).
  it("the image's default is nginxConf for 127.0.0.1:8080", () => {
    expect(readFileSync(join(storefront, "nginx.conf"), "utf8")).toBe(nginxConf("127.0.0.1:8080"));
  });

  it("listens on exactly the address it is given, and nowhere else", () => {
    const listens = nginxConf("127.0.0.1:9123").match(/^\s*listen\s+[^;]+;/gm);
    expect(listens).toEqual(["        listen 127.0.0.1:9123;"]);
  });

  it("keeps what a non-root nginx needs", () => {
    const conf = nginxConf("127.0.0.1:8080");
    expect(conf).toMatch(/^daemon off;$/m);
    expect(conf).toMatch(/^pid \/tmp\//m);
    expect(conf).not.toMatch(/^\s*user\s/m);
    for (const temp of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) expect(conf).toMatch(new RegExp(`${temp}_temp_path /tmp/`));
  });

  it.each(["", "8080", "0.0.0.0", "localhost:8080", "127.0.0.1:70000", "127.0.0.1:8080; include /x", "127.0.0.1:8080\n"])(
    "refuses %j, which is no <ipv4>:<port>",
    (addr) => {
      expect(() => nginxConf(addr)).toThrow(/is not <ipv4>:<port>/);
    },
  );
});
