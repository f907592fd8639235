/** kubernetes-control-plane (CIS Kubernetes Benchmark v1.12.0 sections 1-3) on a kubeadm control plane with kubelet 1.33.5. */
import { afterAll } from "vitest";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { controlPlaneSuite } from "./kubernetes-control-plane-cases.js";

afterAll(cleanupFixtures);

controlPlaneSuite("kubernetes-control-plane", "1.33.5");
