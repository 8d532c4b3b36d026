import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertMplLicensed, wrapperGoMod } from "../../../toolchain/images/artifacts/consul-binary";
import { ImageBuildError } from "../../../toolchain/errors";

function moduleWithLicence(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mw-licence-"));
  writeFileSync(join(dir, "LICENSE"), text);
  return dir;
}

describe("the Consul build's licence gate", () => {
  it("accepts an MPL-2.0 source tree (Consul v1.16.3's LICENSE)", () => {
    const dir = moduleWithLicence("Copyright (c) 2013 HashiCorp, Inc.\n\nMozilla Public License, version 2.0\n\n1. Definitions\n");
    expect(() => assertMplLicensed("github.com/hashicorp/consul@v1.16.3", dir)).not.toThrow();
  });

  it("refuses a BSL source tree (Consul v1.16.6's LICENSE), naming the version to pin", () => {
    const dir = moduleWithLicence(
      'License text copyright (c) 2020 MariaDB Corporation Ab, All Rights Reserved.\n"Business Source License" is a trademark of MariaDB Corporation Ab.\n',
    );
    const run = () => assertMplLicensed("github.com/hashicorp/consul@v1.16.6", dir);
    expect(run).toThrow(ImageBuildError);
    expect(run).toThrow(/consul@v1\.16\.6 is not under the MPL-2\.0/);
    try {
      run();
    } catch (e) {
      expect((e as ImageBuildError).fix).toContain("v1.16.3");
    }
  });
});

describe("the Consul build's wrapper module", () => {
  const rootGoMod = [
    "module github.com/hashicorp/consul",
    "",
    "replace (",
    "\tgithub.com/hashicorp/consul/api => ./api",
    ")",
    "",
    "exclude (",
    "\tgithub.com/hashicorp/go-msgpack v1.1.5 // has breaking changes",
    ")",
    "",
    "require (",
    "\tgithub.com/hashicorp/consul/api v1.25.1",
    "\tgithub.com/hashicorp/consul/troubleshoot v0.3.1",
    "\tgolang.org/x/sys v0.13.0 // indirect",
    ")",
    "",
  ].join("\n");
  const wrapper = wrapperGoMod("v1.16.3", rootGoMod);

  it("requires Consul and its sub-modules at the versions Consul's go.mod names", () => {
    expect(wrapper).toContain(
      "\tgithub.com/hashicorp/consul v1.16.3\n\tgithub.com/hashicorp/consul/api v1.25.1\n\tgithub.com/hashicorp/consul/troubleshoot v0.3.1\n",
    );
  });

  it("pins every dependency to exactly that version and keeps Consul's excludes", () => {
    expect(wrapper).toContain("\tgolang.org/x/sys => golang.org/x/sys v0.13.0\n");
    expect(wrapper).toContain("\tgithub.com/hashicorp/consul/api => github.com/hashicorp/consul/api v1.25.1\n");
    expect(wrapper).toContain("exclude (\n\tgithub.com/hashicorp/go-msgpack v1.1.5\n)");
    expect(wrapper).not.toContain("=> ./api");
  });
});
