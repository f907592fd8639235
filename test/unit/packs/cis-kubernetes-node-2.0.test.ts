/** cis-kubernetes-node-2.0 (CIS Kubernetes Benchmark v2.0.1, section 4) on a kubeadm node with kubelet 1.34. */
import { afterAll } from "vitest";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { kubernetesNodeSuite } from "./kubernetes-node-cases.js";

afterAll(cleanupFixtures);

kubernetesNodeSuite("cis-kubernetes-node-2.0", "1.34.2");
