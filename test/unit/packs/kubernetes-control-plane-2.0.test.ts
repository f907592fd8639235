/** kubernetes-control-plane-2.0 (CIS Kubernetes Benchmark v2.0.1 sections 1-3) on a kubeadm control plane with kubelet 1.34.2. */
import { afterAll } from "vitest";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { controlPlaneSuite } from "./kubernetes-control-plane-cases.js";

afterAll(cleanupFixtures);

controlPlaneSuite("kubernetes-control-plane-2.0", "1.34.2");
