import { missingImages, plannedImage } from "../../../infra/images";
import { appContext, tinyPlan } from "./plans";

const plan = tinyPlan(appContext());
const withImageApp = { ...plan, services: plan.services.map((s) => ({ ...s, app: { ...s.app, kind: "image" as const, image: "acme/api:1.0" } })) };

describe("images MeshStack runs without building them", () => {
  it("overrides by role apply to platform containers and probes, never to a service's own image", () => {
    const app = withImageApp.containers.find((c) => c.role === "app")!;
    expect(plannedImage(withImageApp, { ...app, image: "acme/api:1.0", build: undefined }, { workload: "meshwright/workload:dev" })).toBe("acme/api:1.0");
    expect(
      plannedImage(
        plan,
        plan.containers.find((c) => c.role === "probe")!,
        { workload: "meshwright/workload:dev" },
      ),
    ).toBe("meshwright/workload:dev");
  });

  it("names each missing image, what runs it and how to get it", () => {
    const app = { ...withImageApp.containers.find((c) => c.role === "app")!, image: "acme/api:1.0" };
    const byImage = new Map([
      ["acme/api:1.0", [app]],
      ["meshwright/consul:1.16.3", plan.containers.filter((c) => c.image === "meshwright/consul:1.16.3")],
      ["meshwright/keycloak:26.7.3", plan.containers.filter((c) => c.role === "keycloak")],
    ]);
    const missing = missingImages(withImageApp, byImage, (image) => image === "meshwright/keycloak:26.7.3");
    expect(missing).toEqual([
      {
        image: "acme/api:1.0",
        containers: ["api-1-app"],
        fix: "service api runs its own image: build it (docker build -t acme/api:1.0 <folder of its Dockerfile>) or load it (docker load -i <file>), or declare the app with a Dockerfile so meshwright builds it",
      },
      { image: "meshwright/consul:1.16.3", containers: ["consul", "api-1"], fix: "build meshwright's images: npm run images" },
    ]);
  });
});
