/** cis-kubernetes-node (CIS Kubernetes Benchmark v1.12.0, section 4) on a kubeadm node with kubelet 1.33. */
import { afterAll } from "vitest";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { kubernetesNodeSuite } from "./kubernetes-node-cases.js";

afterAll(cleanupFixtures);

kubernetesNodeSuite("cis-kubernetes-node", "1.33.5");
